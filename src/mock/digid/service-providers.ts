/**
 * The registry of service providers (afnemers' SAML SPs) DigiD answers: entity ID → the
 * AssertionConsumerService URLs it may be sent back to, and its signing certificate (for the
 * optional signature checks). From `digid.serviceProviders` in the config, each given directly or
 * by its SAML metadata file (entityID, AssertionConsumerService Locations, KeyDescriptor
 * use="signing" X509Certificate).
 *
 * Empty registry (the default): open, every Issuer and every absolute http(s) ACS is accepted, so a
 * new SP works with only a base-URL change. Given: an unknown Issuer or an ACS not registered for it
 * gets an error page (400), never a redirect.
 */
import { readFileSync } from 'node:fs';
import type { Element } from '@xmldom/xmldom';
import type { DigidConfig } from './config.ts';
import { toCertificatePem, xmldom } from './signing.ts';

const NS_MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const NS_DS = 'http://www.w3.org/2000/09/xmldsig#';

export interface ServiceProvider {
  readonly entityId: string;
  /** Allowed ACS URLs; index i answers AssertionConsumerServiceIndex i. */
  readonly acsUrls: readonly string[];
  /** PEM; required when signatures are checked. */
  readonly certificatePem: string | undefined;
}

export interface SpRegistry {
  /** True when no SP is registered: everything is accepted. */
  readonly open: boolean;
  get(entityId: string): ServiceProvider | undefined;
  readonly all: readonly ServiceProvider[];
}

/** Reads an SP's metadata: entity ID, every AssertionConsumerService Location (in index order), the signing certificate. */
export function readSpMetadata(xml: string, source: string): ServiceProvider {
  let fail: string | undefined;
  const doc = new (xmldom().DOMParser)({
    onError: (level, msg) => {
      if (level !== 'warning') fail ??= msg;
    },
  }).parseFromString(xml, 'text/xml');
  if (fail !== undefined) throw new Error(`${source}: not well-formed SAML metadata (${fail})`);
  const ed = doc.documentElement;
  if (!ed || ed.namespaceURI !== NS_MD || ed.localName !== 'EntityDescriptor')
    throw new Error(`${source}: the root must be md:EntityDescriptor`);
  const entityId = ed.getAttribute('entityID') ?? '';
  if (entityId === '') throw new Error(`${source}: EntityDescriptor has no entityID`);
  const sp = Array.from(ed.getElementsByTagNameNS(NS_MD, 'SPSSODescriptor'))[0];
  if (!sp) throw new Error(`${source}: no md:SPSSODescriptor`);
  const acs = Array.from(sp.getElementsByTagNameNS(NS_MD, 'AssertionConsumerService'))
    .map((e: Element, i) => ({ index: Number(e.getAttribute('index') ?? i), url: e.getAttribute('Location') ?? '' }))
    .filter((a) => a.url !== '')
    .sort((a, b) => a.index - b.index)
    .map((a) => a.url);
  if (acs.length === 0) throw new Error(`${source}: no md:AssertionConsumerService with a Location`);
  let certificatePem: string | undefined;
  for (const kd of Array.from(sp.getElementsByTagNameNS(NS_MD, 'KeyDescriptor'))) {
    const use = kd.getAttribute('use');
    if (use !== null && use !== '' && use !== 'signing') continue;
    const c = Array.from(kd.getElementsByTagNameNS(NS_DS, 'X509Certificate'))[0]?.textContent?.trim();
    if (c) {
      certificatePem = toCertificatePem(c);
      break;
    }
  }
  return { entityId, acsUrls: acs, certificatePem };
}

export function buildSpRegistry(cfg: DigidConfig): SpRegistry {
  const all: ServiceProvider[] = cfg.serviceProviders.map((s, i) => {
    const where = `digid.serviceProviders[${i}]`;
    const fromMetadata =
      s.metadataFile !== undefined
        ? readSpMetadata(readFileSync(s.metadataFile, 'utf8'), `${where}.metadataFile (${s.metadataFile})`)
        : undefined;
    const entityId = s.entityId ?? fromMetadata?.entityId;
    if (entityId === undefined) throw new Error(`${where}: give entityId or metadataFile`);
    const acsUrls = s.acsUrls ?? fromMetadata?.acsUrls ?? [];
    if (acsUrls.length === 0) throw new Error(`${where}: give acsUrls or a metadataFile with AssertionConsumerService`);
    const certificatePem =
      s.certificateFile !== undefined ? readFileSync(s.certificateFile, 'utf8') : fromMetadata?.certificatePem;
    if (cfg.checkSignatures && certificatePem === undefined) {
      throw new Error(
        `${where} (${entityId}): digid.checkSignatures needs the SP's signing certificate (certificateFile, or a KeyDescriptor in its metadata)`,
      );
    }
    return { entityId, acsUrls, certificatePem };
  });
  const byId = new Map(all.map((s) => [s.entityId, s]));
  if (byId.size !== all.length) throw new Error('digid.serviceProviders: an entityId is registered twice');
  if (cfg.checkSignatures && all.length === 0)
    throw new Error('digid.checkSignatures needs digid.serviceProviders (whose certificates to check against)');
  return { open: all.length === 0, get: (id) => byId.get(id), all };
}
