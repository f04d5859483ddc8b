// The merchant's slot editor: the collector's admin API, with the admin key kept for this tab only.
(function () {
  'use strict';
  var endpoint = document.querySelector('script[data-endpoint]').getAttribute('data-endpoint');
  var writeKey = document.querySelector('script[data-write-key]').getAttribute('data-write-key');
  var key = sessionStorage.getItem('northwind.adminKey') || '';
  var form = document.getElementById('slot-form');
  var list = (s) => (s || '').split(',').map(function (x) { return x.trim(); }).filter(Boolean);

  function api(method, path, body) {
    return fetch(endpoint + path, {
      method: method,
      headers: Object.assign({ Authorization: 'Bearer ' + key }, body ? { 'Content-Type': 'application/json' } : {}),
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (res) {
      if (res.status === 204) return null;
      return res.json().then(function (json) {
        if (!res.ok) throw json.error || { message: res.statusText };
        return json;
      });
    });
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function showErrors(error) {
    var ul = document.getElementById('errors');
    ul.textContent = '';
    if (!error) return;
    (error.issues || [{ path: '', message: error.message }]).forEach(function (i) { ul.appendChild(el('li', {}, (i.path ? i.path + ': ' : '') + i.message)); });
  }
  function numberOr(value) {
    return value === '' ? undefined : Number(value);
  }

  function toConfig() {
    var f = form.elements;
    var config = {
      strategy: f.strategy.value,
      limit: Number(f.limit.value),
      similarity: f.similarity.value,
      minSupport: Number(f.minSupport.value),
      filters: { inStockOnly: f.inStockOnly.checked, excludePurchased: f.excludePurchased.checked, excludeCart: f.excludeCart.checked },
      boosters: list(f.boosters.value).map(function (b) { var p = b.split('='); return { category: p[0].trim(), weight: Number(p[1]) }; }),
      pinned: list(f.pinned.value).map(function (p) { var q = p.split('@'); return { item: q[0].trim(), position: Number(q[1] || 0) }; }),
      fallback: list(f.fallback.value),
    };
    if (list(f.categoryIn.value).length) config.filters.categoryIn = list(f.categoryIn.value);
    if (list(f.categoryNotIn.value).length) config.filters.categoryNotIn = list(f.categoryNotIn.value);
    if (numberOr(f.priceMin.value) !== undefined) config.filters.priceMin = numberOr(f.priceMin.value);
    if (numberOr(f.priceMax.value) !== undefined) config.filters.priceMax = numberOr(f.priceMax.value);
    if (numberOr(f.maxPerCategory.value) !== undefined) config.maxPerCategory = numberOr(f.maxPerCategory.value);
    return config;
  }

  function fill(slot) {
    var f = form.elements;
    var filters = slot.filters || {};
    f.name.value = slot.name || '';
    f.strategy.value = slot.strategy || 'also-bought';
    f.limit.value = slot.limit || 4;
    f.similarity.value = slot.similarity || 'jaccard';
    f.minSupport.value = slot.minSupport || 1;
    f.maxPerCategory.value = slot.maxPerCategory || '';
    f.categoryIn.value = (filters.categoryIn || []).join(', ');
    f.categoryNotIn.value = (filters.categoryNotIn || []).join(', ');
    f.priceMin.value = filters.priceMin === undefined ? '' : filters.priceMin;
    f.priceMax.value = filters.priceMax === undefined ? '' : filters.priceMax;
    f.inStockOnly.checked = filters.inStockOnly !== false;
    f.excludePurchased.checked = !!filters.excludePurchased;
    f.excludeCart.checked = !!filters.excludeCart;
    f.boosters.value = (slot.boosters || []).filter(function (b) { return b.category; }).map(function (b) { return b.category + '=' + b.weight; }).join(', ');
    f.pinned.value = (slot.pinned || []).map(function (p) { return p.item + '@' + p.position; }).join(', ');
    f.fallback.value = (slot.fallback || ['also-bought', 'also-viewed', 'popular']).join(', ');
    showErrors(null);
  }

  function refresh(select) {
    return api('GET', '/v1/slots').then(function (res) {
      var ul = document.getElementById('slot-list');
      ul.textContent = '';
      res.slots.forEach(function (slot) {
        var a = el('a', { href: '#', 'data-slot': slot.name }, slot.name);
        a.addEventListener('click', function (e) { e.preventDefault(); fill(slot); });
        var li = el('li');
        li.appendChild(a);
        li.appendChild(el('span', { class: 'muted' }, ' ' + slot.strategy));
        ul.appendChild(li);
        if (slot.name === select) fill(slot);
      });
    });
  }

  // A few customers of each kind, and the whole base's value.
  function customers() {
    var money = function (n) { return n === null ? '—' : '€' + n.toFixed(2); };
    api('GET', '/v1/clv').then(function (p) {
      document.getElementById('portfolio').textContent = p.customers + ' customers who bought, worth ' + money(p.clv) + ' over the next 12 months (' + p.byChurnRisk['at-risk'].customers + ' at risk, ' + p.byChurnRisk.lost.customers + ' lost).';
    });
    var body = document.querySelector('#customer-table tbody');
    body.textContent = '';
    [['rfm', 'champions'], ['rfm', 'loyal'], ['churnRisk', 'at-risk'], ['churnRisk', 'lost']].forEach(function (filter) {
      api('GET', '/v1/customers?limit=2&' + filter[0] + '=' + filter[1]).then(function (res) {
        res.customers.forEach(function (c) {
          var row = el('tr', { 'data-customer': c.id });
          [c.id, c.segment ? c.segment.label : '—', c.rfm.label, c.churnRisk || '—', String(c.orders), money(c.clv)].forEach(function (text) { row.appendChild(el('td', {}, text)); });
          var button = el('button', { type: 'button', class: 'secondary' }, 'Shop as');
          button.addEventListener('click', function () {
            window.patron.ready(function (p) {
              p.identify(c.id);
              // Send the identify first, but never wait on it for long.
              var go = function () { location.href = '/'; };
              Promise.race([p.flush(), new Promise(function (resolve) { setTimeout(resolve, 2000); })]).then(go, go);
            });
          });
          var cell = el('td');
          cell.appendChild(button);
          row.appendChild(cell);
          body.appendChild(row);
        });
      });
    });
  }

  function open() {
    customers();
    refresh().then(function () {
      document.getElementById('login').hidden = true;
      document.getElementById('workspace').hidden = false;
    }, function (error) { alert('The collector refused the key: ' + error.message); });
  }

  document.getElementById('login').addEventListener('submit', function (e) {
    e.preventDefault();
    key = document.getElementById('admin-key').value.trim();
    sessionStorage.setItem('northwind.adminKey', key);
    open();
  });
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var name = form.elements.name.value;
    api('PUT', '/v1/slots/' + encodeURIComponent(name), toConfig()).then(function () { showErrors(null); return refresh(name); }, showErrors);
  });
  document.getElementById('delete-slot').addEventListener('click', function () {
    var name = form.elements.name.value;
    if (name && confirm('Delete the slot ' + name + '?')) api('DELETE', '/v1/slots/' + encodeURIComponent(name)).then(function () { fill({}); return refresh(); }, showErrors);
  });
  document.getElementById('new-slot').addEventListener('click', function () { fill({}); });
  document.getElementById('preview').addEventListener('click', function () {
    var q = new URLSearchParams({ slot: form.elements.name.value, writeKey: writeKey });
    var item = document.getElementById('preview-item').value.trim();
    var visitor = document.getElementById('preview-visitor').value.trim();
    if (item) q.set('item', item);
    if (visitor) q.set('anonymousId', visitor);
    fetch(endpoint + '/v1/recommendations?' + q).then(function (r) { return r.json(); }).then(function (res) {
      var grid = document.getElementById('preview-items');
      grid.textContent = '';
      if (res.error) return showErrors(res.error);
      res.items.forEach(function (p) {
        var card = el('div', { class: 'card', 'data-preview': p.id });
        card.appendChild(el('img', { src: p.image || '', alt: p.name }));
        card.appendChild(el('span', { class: 'card-name' }, p.name));
        card.appendChild(el('span', { class: 'muted' }, p.source + ' · ' + p.id));
        grid.appendChild(card);
      });
    });
  });
  if (key) open();
})();
