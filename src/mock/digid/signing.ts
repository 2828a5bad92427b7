/**
 * XML-DSig for the DigiD mock, with xml-crypto (a maintained library: canonicalisation is never
 * hand-rolled here): the IdP's signing key and certificate, enveloped rsa-sha256 signatures with
 * exclusive C14N on the Assertion and the Response, and the checks of what an SP signs (AuthnRequest
 * over the HTTP-Redirect binding, ArtifactResolve as an enveloped signature).
 *
 * The key: from config (`digid.signing.privateKeyFile` + `certificateFile`, PEM), or generated once
 * per database (RSA 2048 with node's crypto, a self-signed X.509 certificate with node-forge, kept
 * in the store) so a mock restarted on its database keeps the metadata an SP already trusts.
 * Measured on the shared 2-core machine (load ≈ 11): generating ≈ 0.9 s, once per database;
 * signing a Response with its Assertion ≈ 28 ms (xmldom parse, two exclusive C14N passes, two
 * RSA-2048 signatures), so signing stays off the load path (POST /digid/authenticate signs nothing).
 */
import { createPrivateKey, createVerify, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as XmldomModule from '@xmldom/xmldom';
import type { Document, Element } from '@xmldom/xmldom';
import type forgeModule from 'node-forge';
import type * as XmlCryptoModule from 'xml-crypto';
import type { SignedXml } from 'xml-crypto';

// Loaded on first use (a signature, a key generated): about 50 ms of every mock start-up otherwise,
// and POST /digid/authenticate, the load path, never signs.
const require = createRequire(import.meta.url);
let loaded: { forge: typeof forgeModule; xmlCrypto: typeof XmlCryptoModule; xmldom: typeof XmldomModule } | undefined;
const libs = (): NonNullable<typeof loaded> =>
  (loaded ??= {
    forge: require('node-forge') as typeof forgeModule,
    xmlCrypto: require('xml-crypto') as typeof XmlCryptoModule,
    xmldom: require('@xmldom/xmldom') as typeof XmldomModule,
  });
/** @xmldom/xmldom, loaded on first use (SP metadata is parsed only when configured). */
export const xmldom = (): typeof XmldomModule => libs().xmldom;

export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
export const NS_DSIG = 'http://www.w3.org/2000/09/xmldsig#';

export interface SigningKey {
  readonly privateKeyPem: string;
  readonly certificatePem: string;
}

/** The certificate's base64 DER, as metadata's ds:X509Certificate carries it. */
export function certificateBase64(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

/** A PEM certificate from base64 DER (as found in metadata) or PEM. */
export function toCertificatePem(certOrBase64: string): string {
  if (certOrBase64.includes('-----BEGIN')) return certOrBase64;
  const b64 = certOrBase64.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${(b64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** A fresh RSA-2048 key and a self-signed certificate for `commonName`, valid 10 years from `now`. */
export function generateSigningKey(commonName: string, now = Date.now()): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const { forge } = libs();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = `01${Buffer.from(forge.random.getBytesSync(8), 'binary').toString('hex')}`;
  cert.validity.notBefore = new Date(now - 86_400_000);
  cert.validity.notAfter = new Date(now + 10 * 365 * 86_400_000);
  const name = [
    { name: 'commonName', value: commonName.slice(0, 64) },
    { name: 'organizationName', value: 'bbsim test PKI' },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  return { privateKeyPem, certificatePem: forge.pki.certificateToPem(cert) };
}

/** Reads a configured key pair, checking that the certificate belongs to the key. */
export function readSigningKey(privateKeyFile: string, certificateFile: string): SigningKey {
  const privateKeyPem = readFileSync(privateKeyFile, 'utf8');
  const certificatePem = readFileSync(certificateFile, 'utf8');
  const cert = new X509Certificate(certificatePem);
  if (!cert.checkPrivateKey(createPrivateKeyChecked(privateKeyPem, privateKeyFile))) {
    throw new Error(
      `digid.signing: the certificate in ${certificateFile} does not belong to the private key in ${privateKeyFile}`,
    );
  }
  return { privateKeyPem, certificatePem };
}

function createPrivateKeyChecked(pem: string, file: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new Error(`digid.signing: ${file} holds no PEM private key (${(err as Error).message})`);
  }
}

/**
 * Signs the element with local name `local` (the first one carrying an ID) in `xml` with an enveloped
 * signature placed right after its saml:Issuer, as the SAML schema orders it: rsa-sha256, exclusive
 * C14N, the certificate in KeyInfo.
 */
export function signElement(
  xml: string,
  local: 'Assertion' | 'Response' | 'ArtifactResponse' | 'AuthnRequest' | 'ArtifactResolve',
  key: SigningKey,
): string {
  const sig = new (libs().xmlCrypto.SignedXml)({
    privateKey: key.privateKeyPem,
    publicCert: key.certificatePem,
    signatureAlgorithm: RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
  });
  const target = `//*[local-name(.)='${local}']`;
  sig.addReference({ xpath: target, digestAlgorithm: SHA256, transforms: [ENVELOPED, EXC_C14N] });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `${target}/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return sig.getSignedXml();
}

/**
 * Checks the enveloped signature of the element `local` (its Reference must point at that element's
 * ID) against `certificatePem`. Returns undefined when valid, else why not.
 */
export function checkEnvelopedSignature(xml: string, local: string, certificatePem: string): string | undefined {
  let doc: Document;
  try {
    doc = new (libs().xmldom.DOMParser)({
      onError: () => {
        throw new Error('not well-formed');
      },
    }).parseFromString(xml, 'text/xml');
  } catch (err) {
    return `cannot read the XML (${(err as Error).message})`;
  }
  const elements = Array.from(doc.getElementsByTagNameNS('*', local));
  const el = elements[0];
  if (!el) return `no ${local} element`;
  const signatures = Array.from(el.childNodes).filter(
    (n): n is Element =>
      n.nodeType === 1 && (n as Element).namespaceURI === NS_DSIG && (n as Element).localName === 'Signature',
  );
  const signature = signatures[0];
  if (!signature) return `the ${local} is not signed (no ds:Signature child)`;
  const id = el.getAttribute('ID');
  const sig = new (libs().xmlCrypto.SignedXml)({ publicCert: certificatePem, getCertFromKeyInfo: () => null });
  try {
    sig.loadSignature(signature as unknown as Parameters<SignedXml['loadSignature']>[0]);
    const refs = sig.getReferences();
    if (refs.length !== 1 || refs[0]?.uri !== `#${id ?? ''}`)
      return `the signature must reference the ${local} itself (URI #${id ?? '?'})`;
    if (!sig.checkSignature(xml)) return 'the signature does not verify';
  } catch (err) {
    return `the signature does not verify (${(err as Error).message.split('\n')[0]})`;
  }
  return undefined;
}

/**
 * Checks an HTTP-Redirect binding signature (SAML bindings §3.4.4.1): the signed octets are
 * `SAMLRequest=…&RelayState=…&SigAlg=…` exactly as they appear URL-encoded in the query string.
 */
export function checkRedirectSignature(rawQuery: string, certificatePem: string): string | undefined {
  const parts = new Map<string, string>();
  for (const kv of rawQuery.split('&')) {
    const i = kv.indexOf('=');
    const k = i < 0 ? kv : kv.slice(0, i);
    if (!parts.has(k)) parts.set(k, i < 0 ? '' : kv.slice(i + 1));
  }
  const sigAlg = parts.get('SigAlg');
  const signature = parts.get('Signature');
  if (sigAlg === undefined || signature === undefined)
    return 'the AuthnRequest is not signed (no SigAlg and Signature parameters)';
  const alg = decodeURIComponent(sigAlg.replace(/\+/g, ' '));
  if (alg !== RSA_SHA256) return `SigAlg must be ${RSA_SHA256}, got '${alg.slice(0, 100)}'`;
  const signed = ['SAMLRequest', 'RelayState', 'SigAlg']
    .filter((k) => parts.has(k))
    .map((k) => `${k}=${parts.get(k) ?? ''}`)
    .join('&');
  const ok = createVerify('RSA-SHA256')
    .update(signed)
    .verify(
      certificatePem,
      Buffer.from(decodeURIComponent(signature.replace(/\+/g, ' ')).replace(/ /g, '+'), 'base64'),
    );
  return ok ? undefined : "the Signature does not verify against the service provider's certificate";
}
