/**
 * DigiD levels of assurance and their SAML AuthnContextClassRef URIs.
 *
 * INTERFACES.md (DigiD): "Levels of assurance: Basis, Midden, Substantieel, Hoog (the SNO calls them
 * Laag, 2F, Substantieel, Hoog), carried as AuthnContextClassRef (URIs: inferred — the SAML classes
 * PasswordProtectedTransport, MobileTwoFactorContract, Smartcard, SmartcardPKI are the usual mapping)".
 * The URIs below are that inferred mapping.
 */
export const LEVELS = ['Basis', 'Midden', 'Substantieel', 'Hoog'] as const;
export type Level = (typeof LEVELS)[number];

export const CLASS_REF: Readonly<Record<Level, string>> = Object.freeze({
  Basis: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
  Midden: 'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract',
  Substantieel: 'urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard',
  Hoog: 'urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI',
});

const BY_CLASS_REF: ReadonlyMap<string, Level> = new Map(LEVELS.map((l) => [CLASS_REF[l], l]));

export function levelOfClassRef(uri: string): Level | undefined {
  return BY_CLASS_REF.get(uri);
}

/** 0 (Basis) … 3 (Hoog). */
export function rank(level: Level): number {
  return LEVELS.indexOf(level);
}
