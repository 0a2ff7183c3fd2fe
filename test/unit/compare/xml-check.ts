/** A tiny XML 1.0 well-formedness check (no dependency): tags nest, attributes are quoted, entities are known. */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  /** Text directly inside, entities decoded. */
  text: string;
  children: XmlElement[];
}

const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
const decode = (text: string): string =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** Parses `xml` or throws describing the first problem. */
export function parseXml(xml: string): XmlElement {
  const body = xml.replace(/^<\?xml\s+version="1\.0"(?:\s+encoding="UTF-8")?\s*\?>\s*/, '');
  if (body === xml && xml.startsWith('<?')) throw new Error('bad XML declaration');
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*\s*=\s*"[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/gy;
  const root: XmlElement = { name: '#document', attributes: {}, text: '', children: [] };
  const stack: XmlElement[] = [root];
  for (let match = token.exec(body); match !== null; match = token.exec(body)) {
    const [, closing, name, attributeText, selfClosing, text, stray] = match;
    const top = stack[stack.length - 1];
    if (top === undefined) throw new Error('unbalanced');
    if (stray !== undefined) throw new Error(`stray "<" at ${match.index}: ${body.slice(match.index, match.index + 40)}`);
    if (text !== undefined) {
      if (ENTITY.test(text)) throw new Error(`bad entity in text: ${text.slice(0, 60)}`);
      if (stack.length === 1 && text.trim() !== '') throw new Error(`text outside the root: ${text.slice(0, 40)}`);
      top.text += decode(text);
      continue;
    }
    if (closing === '/') {
      if (top.name !== name) throw new Error(`</${name ?? ''}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const attribute of (attributeText ?? '').matchAll(/([A-Za-z_][\w.-]*)\s*=\s*"([^"<]*)"/g)) {
      const [, key = '', value = ''] = attribute;
      if (ENTITY.test(value)) throw new Error(`bad entity in attribute ${key}`);
      if (key in attributes) throw new Error(`duplicate attribute ${key}`);
      attributes[key] = decode(value);
    }
    const element: XmlElement = { name: name ?? '', attributes, text: '', children: [] };
    if (stack.length === 1 && root.children.length > 0) throw new Error('more than one root element');
    top.children.push(element);
    if (selfClosing !== '/') stack.push(element);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]?.name ?? ''}>`);
  const [only] = root.children;
  if (only === undefined) throw new Error('no root element');
  return only;
}

export const childrenNamed = (element: XmlElement, name: string): XmlElement[] => element.children.filter((child) => child.name === name);
