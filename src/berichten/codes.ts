/** The VerwerkingsCodes of the real Ontvangst/verwerkservice (INTERFACES.md), exactly as spelled there. */
export const VERWERKINGS_CODES = [
  'Verwerkt',
  'TechnischProbleem',
  'NietActiefOfGeabonneerd',
  'BerichtTypeNietOndersteund',
  'AanmaakDatumLigtTeVerInHetVerleden',
  'PublicatieDatumLigtTeVerInDeToekomst',
  'BerichtBestaatAl',
  'BijlageTeGroot',
  'OinInCPAKomtNietOvereenMetOinInBericht',
  'XmlValidatieTegenXsdValtNegatiefUit',
] as const;

export type VerwerkingsCode = (typeof VERWERKINGS_CODES)[number];

/** Where in the real pipeline a letter stopped (INTERFACES.md, "Stadium per outcome"). */
export type Stadium = 'NA' | 'ValidatieBerichtType' | 'ValidatieGebruiker' | 'StoreMessage' | 'Ontvangst';

export function stadiumOf(code: VerwerkingsCode): Stadium {
  switch (code) {
    case 'Verwerkt':
      return 'NA';
    case 'XmlValidatieTegenXsdValtNegatiefUit':
    case 'BerichtTypeNietOndersteund':
      return 'ValidatieBerichtType';
    case 'OinInCPAKomtNietOvereenMetOinInBericht':
    case 'NietActiefOfGeabonneerd':
      return 'ValidatieGebruiker';
    case 'BijlageTeGroot':
      return 'StoreMessage';
    // Not given by INTERFACES.md: the date checks and duplicates happen on receipt (inferred).
    case 'AanmaakDatumLigtTeVerInHetVerleden':
    case 'PublicatieDatumLigtTeVerInDeToekomst':
    case 'BerichtBestaatAl':
    case 'TechnischProbleem':
      return 'Ontvangst';
  }
}

/** Namespaces of the real documents (INTERFACES.md). */
export const NS_BATCH = 'http://schemas.rdw.nl/GEB/BerichtVerwerkService/Types/2009/01';
export const NS_BERICHT = 'http://schemas.rdw.nl/GEB/BerichtenProsessor/Bericht/Types/2009/01';
export const NS_RESULTAAT = 'http://schemas.rdw.nl/GEB/BerichtVerwerkService/BerichtResultaat/Types/2009/01';
