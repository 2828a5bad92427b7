import type { Stadium, VerwerkingsCode } from './codes.ts';

/**
 * A batch as it arrived, before validation: every field is the raw text (or absent), so that a
 * malformed letter can still be answered with its own code. XML and JSON parse to this shape.
 * Field names are the real element names.
 */
export interface RawBatch {
  readonly format: 'xml' | 'json';
  /** BatchInformatie children (BatchID, AanmaakDatum, BerichtLeverancierID), when the header is present. */
  readonly header: RawFields | undefined;
  readonly letters: readonly RawLetter[];
  /** Structure problems outside the letters (unknown or repeated element under Berichten or in
   * BatchInformatie, a header field that is not text…); the batch then fails as BATCH_HEADER_INVALID. */
  readonly batchErrors?: readonly string[];
}

export type RawFields = Readonly<Record<string, string | undefined>>;

export interface RawLetter {
  /** 0-based position in the batch. */
  readonly seq: number;
  /** BerichtInformatie children as text (BerichtID, BerichtType, PublicatieDatum, EindDatumHandelingsTermijn,
   * Onderwerp, BerichtTekst, Referentie, GebruikerID, SoortGebruiker, and optionally repeated BatchID,
   * AanmaakDatum, BerichtLeverancierID). */
  readonly fields: RawFields;
  readonly bijlagen: readonly RawBijlage[];
  /** Structure problems found while parsing this letter (unknown element, repeated element, no BerichtInformatie…). */
  readonly structureErrors: readonly string[];
}

export interface RawBijlage {
  /** base64 text as sent. */
  readonly Inhoud: string | undefined;
  readonly BijlageType: string | undefined;
  readonly Omschrijving: string | undefined;
  readonly Volgorde: string | undefined;
}

/** A validated batch header. */
export interface BatchHeader {
  readonly batchId: string; // lower-case GUID
  readonly aanmaakDatum: number; // epoch ms
  readonly berichtLeverancierId: string;
}

/** A letter that passed validation (its code may still become BerichtBestaatAl or TechnischProbleem at commit). */
export interface ValidLetter {
  readonly seq: number;
  readonly berichtId: string; // lower-case GUID
  readonly berichtType: string;
  readonly publicatieDatum: number | undefined; // epoch ms
  readonly eindDatumHandelingsTermijn: number | undefined;
  readonly onderwerp: string;
  readonly berichtTekst: string;
  readonly referentie: string | undefined;
  readonly bsn: string;
  readonly bijlagen: readonly ValidBijlage[];
}

export interface ValidBijlage {
  readonly volgorde: number;
  readonly omschrijving: string;
  readonly content: Buffer; // decoded PDF bytes
}

/** The outcome for one letter of a batch. */
export interface LetterOutcome {
  readonly seq: number;
  /** As sent (may be malformed or absent for a letter that failed the XSD). */
  readonly berichtId: string;
  readonly berichtType: string;
  readonly code: VerwerkingsCode;
  /** Why, naming the field and the rule; empty for Verwerkt. Our extension, not in the real response. */
  readonly toelichting: string;
  /** Present when code is Verwerkt (or pending the commit-time checks). */
  readonly letter?: ValidLetter;
}

/** The BerichtVerwerkResponse (the verwerkingsbericht) in our own terms; rendered as XML or JSON. */
export interface VerwerkResponse {
  readonly berichtLeverancierCode: string;
  readonly batchId: string;
  readonly datumOntvangen: number;
  readonly datumVerwerkt: number;
  readonly letters: readonly {
    berichtId: string;
    berichtType: string;
    code: VerwerkingsCode;
    stadium: Stadium;
    toelichting: string;
  }[];
}

/**
 * A well-formed batch to send, with the real element names (for clients: tests, benchmarks, the bulk
 * delivery client). Every value is the text as it will be sent, so a client can also send values
 * that fail validation. `renderBerichtenXml` / `berichtenJson` serialise it.
 */
export interface BatchInput {
  readonly BatchInformatie: {
    readonly BatchID: string;
    readonly AanmaakDatum: string;
    readonly BerichtLeverancierID: string;
  };
  readonly Bericht: readonly BerichtInput[];
}

export interface BerichtInput {
  readonly BerichtInformatie: {
    /** Repeated from the header as Logius' example does; omitted when absent. */
    readonly BatchID?: string;
    /** Repeated from the header, as some sources describe it; omitted when absent. */
    readonly AanmaakDatum?: string;
    readonly BerichtLeverancierID?: string;
    readonly BerichtID: string;
    readonly BerichtType: string;
    readonly PublicatieDatum?: string;
    readonly EindDatumHandelingsTermijn?: string;
    readonly Onderwerp: string;
    readonly BerichtTekst: string;
    readonly Referentie?: string;
    readonly GebruikerID: string;
    readonly SoortGebruiker: string;
  };
  readonly Bijlagen?: readonly BijlageInput[];
}

export interface BijlageInput {
  /** base64 */
  readonly Inhoud: string;
  readonly BijlageType: string;
  readonly Omschrijving: string;
  readonly Volgorde: string;
}
