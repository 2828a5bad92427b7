/**
 * Serialisation: the BerichtVerwerkResponse (our answer) as XML or JSON, and a Berichten batch
 * (what clients send) as XML or JSON. Element names and namespaces follow INTERFACES.md.
 */
import { NS_BATCH, NS_BERICHT, NS_RESULTAAT, type VerwerkingsCode } from './codes.ts';
import type { BatchInput, BerichtInput, VerwerkResponse } from './types.ts';
import { BATCH_FIELDS, BIJLAGE_FIELDS, LETTER_FIELDS } from './parse-xml.ts';
import { escapeXmlText, xmlCommentText } from '../xml/index.ts';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

// ---------------------------------------------------------------------------------------------
// BerichtVerwerkResponse
// ---------------------------------------------------------------------------------------------

/** The counters of the response's BatchInformatie, in document order. */
function counters(r: VerwerkResponse): [string, number][] {
  const count = (code: VerwerkingsCode): number => r.letters.reduce((n, l) => (l.code === code ? n + 1 : n), 0);
  return [
    ['TotaalAantalOntvangenBerichten', r.letters.length],
    ['AantalBerichtenSuccesvolVerwerkt', count('Verwerkt')],
    ['AantalBerichtenGeenActieveBoxOfGeabonneertOpLeverancier', count('NietActiefOfGeabonneerd')],
    ['AantalBerichtenMetTechnischProbleem', count('TechnischProbleem')],
    ['AantalBerichtenBerichtTypeNietCorrect', count('BerichtTypeNietOndersteund')],
    ['AantalBerichtenPublicatieDatumNietCorrect', count('PublicatieDatumLigtTeVerInDeToekomst')],
    ['AantalBerichtenAanmaakDatumNietCorrect', count('AanmaakDatumLigtTeVerInHetVerleden')],
  ];
}

/**
 * The verwerkingsbericht as XML. The root is in the batch namespace under a prefix so that its
 * children stay unqualified (as the real schema has them); each Bericht is in the resultaat
 * namespace with unqualified children. The toelichting is an XML comment: it is our extension and a
 * comment keeps the document valid against the real XSD.
 */
export function renderVerwerkResponseXml(r: VerwerkResponse): string {
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<bvs:BerichtVerwerkResponse xmlns:bvs="${NS_BATCH}" xmlns:res="${NS_RESULTAAT}">`,
    '<BatchInformatie>',
    `<BerichtLeverancierCode>${escapeXmlText(r.berichtLeverancierCode)}</BerichtLeverancierCode>`,
    `<BatchID>${escapeXmlText(r.batchId)}</BatchID>`,
  ];
  for (const [name, n] of counters(r)) parts.push(`<${name}>${n}</${name}>`);
  parts.push(
    `<DatumOntvangen>${iso(r.datumOntvangen)}</DatumOntvangen>`,
    `<DatumVerwerkt>${iso(r.datumVerwerkt)}</DatumVerwerkt>`,
  );
  parts.push('</BatchInformatie>', '<Berichten>');
  for (const l of r.letters) {
    parts.push(
      '<res:Bericht>',
      `<BerichtID>${escapeXmlText(l.berichtId)}</BerichtID>`,
      `<BerichtType>${escapeXmlText(l.berichtType)}</BerichtType>`,
      `<VerwerkingsCode>${l.code}</VerwerkingsCode>`,
      `<Stadium>${l.stadium}</Stadium>`,
      l.toelichting === '' ? '' : `<!-- Toelichting: ${xmlCommentText(l.toelichting)} -->`,
      '</res:Bericht>',
    );
  }
  parts.push('</Berichten>', '</bvs:BerichtVerwerkResponse>\n');
  return parts.join('');
}

export interface VerwerkResponseJson {
  BerichtVerwerkResponse: {
    BatchInformatie: Record<string, string | number>;
    Berichten: {
      Bericht: {
        BerichtID: string;
        BerichtType: string;
        VerwerkingsCode: VerwerkingsCode;
        Stadium: string;
        Toelichting: string;
      }[];
    };
  };
}

/** The verwerkingsbericht as JSON: the XML's names and structure, counters as numbers, plus `Toelichting` per letter. */
export function verwerkResponseJson(r: VerwerkResponse): VerwerkResponseJson {
  const info: Record<string, string | number> = {
    BerichtLeverancierCode: r.berichtLeverancierCode,
    BatchID: r.batchId,
  };
  for (const [name, n] of counters(r)) info[name] = n;
  info['DatumOntvangen'] = iso(r.datumOntvangen);
  info['DatumVerwerkt'] = iso(r.datumVerwerkt);
  return {
    BerichtVerwerkResponse: {
      BatchInformatie: info,
      Berichten: {
        Bericht: r.letters.map((l) => ({
          BerichtID: l.berichtId,
          BerichtType: l.berichtType,
          VerwerkingsCode: l.code,
          Stadium: l.stadium,
          Toelichting: l.toelichting,
        })),
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Berichten (the request), for clients
// ---------------------------------------------------------------------------------------------

// The schema's element order: the batch fields repeated in every BerichtInformatie, then the letter's own.
const INFO_ORDER = [...BATCH_FIELDS, ...LETTER_FIELDS] as const;
const BIJLAGE_ORDER = BIJLAGE_FIELDS;
const BASE64_CHARS = /^[A-Za-z0-9+/=]*$/;

function el(prefix: string, name: string, text: string): string {
  return `<${prefix}${name}>${escapeXmlText(text)}</${prefix}${name}>`;
}

function renderBericht(b: BerichtInput, parts: string[]): void {
  parts.push('<ber:Bericht><ber:BerichtInformatie>');
  const info = b.BerichtInformatie;
  for (const name of INFO_ORDER) {
    const v = info[name];
    if (v !== undefined) parts.push(el('ber:', name, v));
  }
  parts.push('</ber:BerichtInformatie>');
  if (b.Bijlagen && b.Bijlagen.length > 0) {
    parts.push('<ber:Bijlagen>');
    for (const bijlage of b.Bijlagen) {
      parts.push('<ber:Bijlage>');
      for (const name of BIJLAGE_ORDER) {
        const v: string | undefined = bijlage[name];
        if (v === undefined) continue; // tolerated so that tests can send a Bijlage lacking a field
        // base64 needs no escaping: skip the escape scans over large content
        parts.push(name === 'Inhoud' && BASE64_CHARS.test(v) ? `<ber:Inhoud>${v}</ber:Inhoud>` : el('ber:', name, v));
      }
      parts.push('</ber:Bijlage>');
    }
    parts.push('</ber:Bijlagen>');
  }
  parts.push('</ber:Bericht>');
}

/**
 * A Berichten batch as XML, shaped like Logius' example: the batch namespace (default) for Berichten
 * and BatchInformatie, the bericht namespace (prefix `ber`) for each Bericht subtree, BatchID
 * repeated as the first child of BerichtInformatie when the input has it, attachments in a Bijlagen
 * wrapper.
 */
export function renderBerichtenXml(batch: BatchInput): string {
  const h = batch.BatchInformatie;
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<Berichten xmlns="${NS_BATCH}" xmlns:ber="${NS_BERICHT}">`,
    '<BatchInformatie>',
    el('', 'BatchID', h.BatchID),
    el('', 'AanmaakDatum', h.AanmaakDatum),
    el('', 'BerichtLeverancierID', h.BerichtLeverancierID),
    '</BatchInformatie>',
  ];
  for (const b of batch.Bericht) renderBericht(b, parts);
  parts.push('</Berichten>\n');
  return parts.join('');
}

export interface BerichtenJson {
  Berichten: {
    BatchInformatie: { BatchID: string; AanmaakDatum: string; BerichtLeverancierID: string };
    Bericht: { BerichtInformatie: Record<string, string>; Bijlagen?: { Bijlage: Record<string, string>[] } }[];
  };
}

/** The same batch as JSON (the names of the XML; absent optional fields left out). */
export function berichtenJson(batch: BatchInput): BerichtenJson {
  const h = batch.BatchInformatie;
  return {
    Berichten: {
      BatchInformatie: {
        BatchID: h.BatchID,
        AanmaakDatum: h.AanmaakDatum,
        BerichtLeverancierID: h.BerichtLeverancierID,
      },
      Bericht: batch.Bericht.map((b) => {
        const info: Record<string, string> = {};
        for (const name of INFO_ORDER) {
          const v = b.BerichtInformatie[name];
          if (v !== undefined) info[name] = v;
        }
        if (!b.Bijlagen || b.Bijlagen.length === 0) return { BerichtInformatie: info };
        return {
          BerichtInformatie: info,
          Bijlagen: {
            Bijlage: b.Bijlagen.map((x) => {
              const out: Record<string, string> = {};
              for (const name of BIJLAGE_ORDER) {
                const v: string | undefined = x[name];
                if (v !== undefined) out[name] = v;
              }
              return out;
            }),
          },
        };
      }),
    },
  };
}
