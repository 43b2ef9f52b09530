/**
 * Chapter: the book's playground page (07) — redraw HTML in place.
 *
 * The page redraws 07's tile grid several times a second from fresh HTML
 * (lib/display/tiles's tileGridHtml). Replacing the whole subtree would drop
 * the reader's hover tooltip and scroll anchoring each time; `morph` instead
 * walks the old and the new tree side by side and changes only attributes
 * and text that differ, replacing a node only where the structure changed.
 */

/** Make `live`'s children equal to the nodes `html` parses to. */
export function morph(live: Element, html: string): void {
  const template = document.createElement("template");
  template.innerHTML = html;
  morphChildren(live, template.content);
}

function morphChildren(live: Node, next: Node): void {
  const have = live.childNodes,
    want = next.childNodes;
  while (have.length > want.length) live.removeChild(live.lastChild as ChildNode);
  for (let i = 0; i < want.length; i++) {
    const a = have[i],
      b = want[i];
    if (!a) live.appendChild(document.importNode(b, true));
    else if (!sameKind(a, b)) live.replaceChild(document.importNode(b, true), a);
    else if (a.nodeType === Node.ELEMENT_NODE) {
      syncAttributes(a as Element, b as Element);
      morphChildren(a, b);
    } else if (a.nodeValue !== b.nodeValue) a.nodeValue = b.nodeValue;
  }
}

function sameKind(a: Node, b: Node): boolean {
  if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName) return false;
  return a.nodeType !== Node.ELEMENT_NODE || (a as Element).namespaceURI === (b as Element).namespaceURI;
}

function syncAttributes(a: Element, b: Element): void {
  for (const { name } of Array.from(a.attributes)) if (!b.hasAttribute(name)) a.removeAttribute(name);
  for (const { name, value } of Array.from(b.attributes))
    if (a.getAttribute(name) !== value) a.setAttribute(name, value);
}
