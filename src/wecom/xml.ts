import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/**
 * WeCom speaks flat XML: `<xml><Field><![CDATA[value]]></Field>…</xml>`, with lists as repeated
 * `<Item>` children (MemChangeList). Values stay strings; callers coerce what they need.
 */
export type XmlRecord = { [key: string]: string | string[] | XmlRecord };

const parser = new XMLParser({
  parseTagValue: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  processEntities: false,
  isArray: (name) => name === 'Item',
});
const builder = new XMLBuilder({ cdataPropName: '__cdata', suppressEmptyNode: false });

/** The record inside `<xml>`, or null when the text is not such a document. */
export function parseXml(text: string): XmlRecord | null {
  try {
    const doc = parser.parse(text, true) as { xml?: unknown };
    return doc.xml && typeof doc.xml === 'object' && !Array.isArray(doc.xml) ? (doc.xml as XmlRecord) : null;
  } catch {
    return null;
  }
}

/** Builds `<xml>…</xml>` the way WeCom does: text in CDATA, numbers bare, arrays as `<Item>`s. */
export function buildXml(fields: Record<string, string | number | string[]>): string {
  const node = (v: string | number | string[]): unknown =>
    Array.isArray(v) ? { Item: v.map((s) => ({ __cdata: s })) } : typeof v === 'number' ? v : { __cdata: v };
  return builder.build({ xml: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, node(v)])) }) as string;
}

export function xmlString(rec: XmlRecord, key: string): string | undefined {
  const v = rec[key];
  return typeof v === 'string' ? v : undefined;
}
