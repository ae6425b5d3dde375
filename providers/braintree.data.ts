/**
 * @module Braintree's notification XML → plain values, in the shape Braintree's own SDKs read it:
 * an element with children is an object of them, `type="array"` a list, `nil="true"` null, any
 * other element its text. Strict and small: no DTD, comments, CDATA or processing beyond the XML
 * declaration (Braintree sends none), so there is nothing to expand and no entity to resolve.
 */

export type XmlValue = string | null | XmlValue[] | { [name: string]: XmlValue }

type XmlNode = { name: string; attrs: Record<string, string>; children: XmlNode[]; text: string }

const MAX_DEPTH = 64
const NAME = /^[A-Za-z_][\w.-]*$/
const ATTRIBUTE = /([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

/** `{ root: value }`, or undefined when the text is not well-formed XML of that kind. */
export function readXml(text: string): { [root: string]: XmlValue } | undefined {
  const root = parseNodes(text)
  return root ? { [root.name]: valueOf(root) } : undefined
}

// --- Internal helpers ---

function parseNodes(text: string): XmlNode | undefined {
  const stack: XmlNode[] = []
  let root: XmlNode | undefined
  for (const [token] of text.matchAll(/<[^<>]*>|[^<>]+|[<>]/g)) {
    if (token.startsWith('<?')) {
      if (root || stack.length > 0 || !token.startsWith('<?xml') || !token.endsWith('?>')) return undefined
      continue
    }
    if (token.startsWith('<!') || token === '<' || token === '>') return undefined
    const parent = stack.at(-1)
    if (!token.startsWith('<')) {
      const decoded = decodeText(token)
      if (decoded === undefined) return undefined
      if (parent) parent.text += decoded
      else if (decoded.trim() !== '') return undefined // text outside the root element
      continue
    }
    if (token.startsWith('</')) {
      if (!parent || token.slice(2, -1).trim() !== parent.name) return undefined
      stack.pop()
      continue
    }
    const selfClosing = token.endsWith('/>')
    const inner = token.slice(1, selfClosing ? -2 : -1)
    const name = /^\S+/.exec(inner)?.[0] ?? ''
    if (!NAME.test(name)) return undefined
    const attrs: Record<string, string> = {}
    for (const m of inner.slice(name.length).matchAll(ATTRIBUTE)) {
      const value = decodeText(m[2] ?? m[3] ?? '')
      if (value === undefined || m[1] === undefined) return undefined
      attrs[m[1]] = value
    }
    const node: XmlNode = { name, attrs, children: [], text: '' }
    if (parent) parent.children.push(node)
    else if (root) return undefined // a second root element
    else root = node
    if (!selfClosing) {
      if (stack.length >= MAX_DEPTH) return undefined
      stack.push(node)
    }
  }
  return stack.length === 0 ? root : undefined
}

function valueOf(node: XmlNode): XmlValue {
  if (node.attrs['nil'] === 'true') return null
  if (node.attrs['type'] === 'array') return node.children.map(valueOf)
  if (node.children.length === 0) return node.text
  const out: { [name: string]: XmlValue } = {}
  // defineProperty: an element named `__proto__` must stay data, not become the prototype.
  for (const child of node.children) {
    Object.defineProperty(out, child.name, { value: valueOf(child), enumerable: true, writable: true, configurable: true })
  }
  return out
}

function decodeText(raw: string): string | undefined {
  let bad = false
  const text = raw.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) bad = true
    const named = ENTITIES[ref]
    if (named !== undefined) return named
    const code = /^#x[0-9a-f]+$/i.test(ref) ? parseInt(ref.slice(2), 16) : /^#\d+$/.test(ref) ? Number(ref.slice(1)) : NaN
    if (!Number.isInteger(code) || code > 0x10ffff) {
      bad = true
      return ''
    }
    return String.fromCodePoint(code)
  })
  return bad ? undefined : text
}
