/**
 * A test PKI for the mock's two-way TLS, in the shape Digikoppeling uses: a CA, a server
 * certificate for the mock, and one client certificate per afnemer whose subject serialNumber is
 * its OIN (as PKIoverheid certificates carry it).
 *
 * Keys come from node's crypto (native, ~50 ms per RSA-2048 key); the X.509 certificates are built
 * and signed by node-forge, because node can make keys but not certificates. node-forge rather than
 * the openssl binary: no system tool to install or to differ between machines (LibreSSL on macOS,
 * OpenSSL 3.0 on Debian cannot set a notAfter in the past, which the tests need for an expired
 * certificate), and every field (validity, subject, extensions) is set in code.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface KeyAndCertificate {
  readonly keyPem: string;
  readonly certPem: string;
}

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

const DAY_MS = 86_400_000;

function validityFrom(now: Date, days: number): Validity {
  // An hour back: a client whose clock is a little behind still accepts a fresh certificate.
  return { notBefore: new Date(now.getTime() - 3_600_000), notAfter: new Date(now.getTime() + days * DAY_MS) };
}

function newKey(): { keyPem: string; publicKey: forge.pki.PublicKey; privateKey: forge.pki.PrivateKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { keyPem, privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

function serial(): string {
  // Positive (first bit clear), 16 random bytes as RFC 5280 allows at most 20 octets.
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

function build(
  subject: forge.pki.CertificateField[],
  publicKey: forge.pki.PublicKey,
  validity: Validity,
  extensions: object[],
  issuer?: { cert: forge.pki.Certificate },
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = validity.notBefore;
  cert.validity.notAfter = validity.notAfter;
  cert.setSubject(subject);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : subject);
  cert.setExtensions([
    ...extensions,
    { name: 'subjectKeyIdentifier' },
    ...(issuer
      ? [{ name: 'authorityKeyIdentifier', keyIdentifier: issuer.cert.generateSubjectKeyIdentifier().getBytes() }]
      : []),
  ]);
  return cert;
}

/** A certificate authority that signs the server's and the afnemers' certificates. */
export class TestCa implements KeyAndCertificate {
  readonly keyPem: string;
  readonly certPem: string;
  private readonly cert: forge.pki.Certificate;
  private readonly key: forge.pki.PrivateKey;

  constructor(name = 'bbsim test CA (not PKIoverheid)', validity: Validity = validityFrom(new Date(), 3650)) {
    const k = newKey();
    this.cert = build(
      [
        { shortName: 'C', value: 'NL' },
        { shortName: 'O', value: 'bbsim' },
        { shortName: 'CN', value: name },
      ],
      k.publicKey,
      validity,
      [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ],
    );
    this.cert.sign(k.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
    this.key = k.privateKey;
    this.keyPem = k.keyPem;
    this.certPem = forge.pki.certificateToPem(this.cert);
  }

  private sign(subject: forge.pki.CertificateField[], validity: Validity, extensions: object[]): KeyAndCertificate {
    const k = newKey();
    const cert = build(
      subject,
      k.publicKey,
      validity,
      [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        ...extensions,
      ],
      { cert: this.cert },
    );
    cert.sign(this.key as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
    return { keyPem: k.keyPem, certPem: forge.pki.certificateToPem(cert) };
  }

  /** The mock's server certificate, for these host names and IP addresses. */
  server(
    hosts: readonly string[] = ['localhost', '127.0.0.1', '::1'],
    validity: Validity = validityFrom(new Date(), 825),
  ): KeyAndCertificate {
    const altNames = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? { type: 7, ip: h } : { type: 2, value: h }));
    return this.sign(
      [
        { shortName: 'C', value: 'NL' },
        { shortName: 'O', value: 'bbsim' },
        { shortName: 'CN', value: hosts[0] ?? 'localhost' },
      ],
      validity,
      [
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames },
      ],
    );
  }

  /**
   * An afnemer's client certificate: subject serialNumber = OIN (as in a PKIoverheid services
   * certificate), O and CN its name. `oin` undefined leaves serialNumber out (a certificate without OIN).
   */
  client(
    afnemer: { readonly oin: string | undefined; readonly naam: string },
    validity: Validity = validityFrom(new Date(), 825),
  ): KeyAndCertificate {
    return this.sign(
      [
        { shortName: 'C', value: 'NL' },
        { shortName: 'O', value: afnemer.naam },
        { shortName: 'CN', value: `${afnemer.naam} (bbsim test)` },
        ...(afnemer.oin !== undefined ? [{ name: 'serialNumber', value: afnemer.oin }] : []),
      ],
      validity,
      [{ name: 'extKeyUsage', clientAuth: true }],
    );
  }
}

export interface PkiLayout {
  readonly dir: string;
  readonly ca: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clients: readonly {
    readonly oin: string;
    readonly naam: string;
    readonly cert: string;
    readonly key: string;
  }[];
  readonly readme: string;
}

/** Where `bbsim pki init` puts each file under dir (also what `bbsim mock --tls <dir>` reads). */
export function pkiPaths(dir: string): {
  ca: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  client: (oin: string) => { cert: string; key: string };
} {
  return {
    ca: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    client: (oin) => ({ cert: join(dir, 'clients', `${oin}.crt`), key: join(dir, 'clients', `${oin}.key`) }),
  };
}

function writeKey(path: string, pem: string): void {
  writeFileSync(path, pem, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Writes a CA, the mock's server certificate and one client certificate per afnemer as PEM files, with a README. */
export function writeTestPki(opts: {
  dir: string;
  afnemers: readonly { oin: string; naam: string }[];
  hosts?: readonly string[];
}): PkiLayout {
  const paths = pkiPaths(opts.dir);
  mkdirSync(join(opts.dir, 'clients'), { recursive: true });
  const ca = new TestCa();
  const server = ca.server(opts.hosts);
  writeFileSync(paths.ca, ca.certPem);
  writeKey(paths.caKey, ca.keyPem);
  writeFileSync(paths.serverCert, server.certPem);
  writeKey(paths.serverKey, server.keyPem);
  const clients = opts.afnemers.map((a) => {
    const c = ca.client(a);
    const p = paths.client(a.oin);
    writeFileSync(p.cert, c.certPem);
    writeKey(p.key, c.keyPem);
    return { oin: a.oin, naam: a.naam, ...p };
  });
  const readme = join(opts.dir, 'README.md');
  writeFileSync(readme, pkiReadme(opts.dir, clients[0]?.oin ?? '<oin>'));
  return {
    dir: opts.dir,
    ca: paths.ca,
    caKey: paths.caKey,
    serverCert: paths.serverCert,
    serverKey: paths.serverKey,
    clients,
    readme,
  };
}

/** How to use the files: the mock, curl, k6, undici and bbsim rehearse. */
export function pkiReadme(dir: string, oin: string): string {
  const c = pkiPaths(dir).client(oin);
  return `# bbsim test PKI (not PKIoverheid: for the mock only)

ca.crt/ca.key sign everything here; server.crt/server.key are the mock's (localhost, 127.0.0.1, ::1);
clients/<OIN>.crt/.key are one afnemer each, with its OIN in the subject serialNumber.

    bbsim mock --tls ${dir}                                   # https, afnemers by client certificate
    curl --cacert ${pkiPaths(dir).ca} --cert ${c.cert} --key ${c.key} https://localhost:8080/berichtenbox/verwerkingsberichten
    SSL_CERT_FILE=${pkiPaths(dir).ca} k6 run -e BASE_URL=https://localhost:8080 -e TLS_CERT=${c.cert} -e TLS_KEY=${c.key} k6/smoke.js   # tlsAuth; SSL_CERT_FILE: k6 trusts the CA
    bbsim rehearse --generate 1000 --target https://localhost:8080 --cert ${c.cert} --key ${c.key} --ca ${pkiPaths(dir).ca}

undici: new Pool('https://localhost:8080', { connect: { cert: readFileSync('${c.cert}'), key: readFileSync('${c.key}'), ca: readFileSync('${pkiPaths(dir).ca}') } })
`;
}
