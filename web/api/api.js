// Renders /openapi.json as a readable reference, with no library and no network beyond
// the gateway itself (the page's Content-Security-Policy allows scripts from our origin only).
'use strict';

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function refName(ref) { return ref.split('/').pop(); }

function resolve(doc, schema) {
  let s = schema || {};
  if (s.allOf && s.allOf.length === 1) s = Object.assign({}, resolve(doc, s.allOf[0]), s, {allOf: undefined});
  if (s.$ref) return Object.assign({}, doc.components.schemas[refName(s.$ref)], {title: refName(s.$ref)});
  return s;
}

// A one-line type: "string (date-time)", "array of comptoir.shops.v1.Shop", "enum: a | b".
function typeOf(doc, schema) {
  const raw = schema || {};
  const inner = raw.allOf && raw.allOf.length === 1 ? raw.allOf[0] : raw;
  if (inner.$ref) {
    const target = doc.components.schemas[refName(inner.$ref)] || {};
    if (target.enum) return 'enum: ' + target.enum.join(' | ');
    return refName(inner.$ref);
  }
  if (inner.type === 'array') return 'array of ' + typeOf(doc, inner.items);
  if (inner.type === 'object' && inner.additionalProperties && inner.additionalProperties !== true) {
    return 'map of ' + typeOf(doc, inner.additionalProperties);
  }
  if (inner.enum) return 'enum: ' + inner.enum.join(' | ');
  return (inner.type || 'any') + (inner.format ? ' (' + inner.format + ')' : '');
}

function schemaTable(doc, schema, seen) {
  const s = resolve(doc, schema);
  const wrap = el('div');
  if (s.title) wrap.append(el('p', {}, el('code', {}, s.title), s.description ? ' — ' + s.description : ''));
  if (!s.properties) {
    wrap.append(el('p', {}, el('code', {}, typeOf(doc, schema))));
    return wrap;
  }
  const table = el('table', {}, el('tr', {}, el('th', {}, 'field'), el('th', {}, 'type'), el('th', {}, 'description')));
  for (const [name, prop] of Object.entries(s.properties)) {
    const notes = (prop.readOnly ? '[output only] ' : '') + (prop.description || '');
    table.append(el('tr', {}, el('td', {}, el('code', {}, name)), el('td', {}, typeOf(doc, prop)), el('td', {}, notes)));
  }
  wrap.append(table);
  // Nested message types once each, below their parent.
  seen = seen || new Set([s.title]);
  for (const prop of Object.values(s.properties)) {
    let inner = prop.allOf ? prop.allOf[0] : prop;
    if (inner.type === 'array') inner = inner.items;
    if (inner && inner.$ref && !seen.has(refName(inner.$ref))) {
      const target = doc.components.schemas[refName(inner.$ref)];
      seen.add(refName(inner.$ref));
      if (target && target.properties) wrap.append(schemaTable(doc, inner, seen));
    }
  }
  return wrap;
}

function render(doc) {
  document.getElementById('title').textContent = doc.info.title + ' ' + doc.info.version;
  document.getElementById('intro').prepend(el('span', {}, doc.info.description + ' '));
  const toc = document.getElementById('toc');
  const main = document.getElementById('operations');
  main.textContent = '';
  const byTag = new Map((doc.tags || []).map(t => [t.name, {tag: t, ops: []}]));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags || ['other'])[0];
      if (!byTag.has(tag)) byTag.set(tag, {tag: {name: tag}, ops: []});
      byTag.get(tag).ops.push({path, method, op});
    }
  }
  for (const {tag, ops} of byTag.values()) {
    toc.append(el('h2', {}, tag.name));
    main.append(el('h2', {id: 'tag-' + tag.name}, tag.name), el('p', {}, tag.description || ''));
    for (const {path, method, op} of ops) {
      toc.append(el('a', {href: '#' + op.operationId}, method.toUpperCase() + ' ' + path));
      const section = el('section', {class: 'op', id: op.operationId},
        el('h3', {}, el('span', {class: 'method ' + method}, method.toUpperCase()), el('code', {}, path)),
        el('p', {}, op.description || op.summary || ''));
      if (op.parameters) {
        const table = el('table', {}, el('tr', {}, el('th', {}, 'parameter'), el('th', {}, 'in'), el('th', {}, 'type'), el('th', {}, 'description')));
        for (const p of op.parameters) {
          table.append(el('tr', {}, el('td', {}, el('code', {}, p.name)), el('td', {}, p.in + (p.required ? ', required' : '')),
            el('td', {}, typeOf(doc, p.schema)), el('td', {}, p.description || '')));
        }
        section.append(el('h4', {}, 'Parameters'), table);
      }
      if (op.requestBody) {
        section.append(el('h4', {}, 'Request body (application/json)'),
          schemaTable(doc, op.requestBody.content['application/json'].schema));
      }
      const ok = op.responses['200'];
      if (ok && ok.content) section.append(el('h4', {}, 'Response 200'), schemaTable(doc, ok.content['application/json'].schema));
      const errors = Object.keys(op.responses).filter(code => code !== '200');
      section.append(el('p', {}, 'Errors (application/problem+json): ' + errors.join(', ')));
      main.append(section);
    }
  }
}

fetch('/openapi.json')
  .then(r => { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
  .then(render)
  .catch(e => { document.getElementById('operations').textContent = 'Cannot load /openapi.json: ' + e.message; });
