// The demo's merchant page: a few customers of each kind from the analyst API, and "shop as" one of them to
// see what the shop targets at them. The key stays in this tab; slots are edited in Patron's dashboard.
(function () {
  'use strict';
  var endpoint = document.querySelector('script[data-endpoint]').getAttribute('data-endpoint');
  var key = sessionStorage.getItem('northwind.adminKey') || '';

  function api(path) {
    return fetch(endpoint + path, { headers: { Authorization: 'Bearer ' + key } }).then(function (res) {
      return res.json().then(function (json) {
        if (!res.ok) throw json.error || { message: res.statusText };
        return json;
      });
    });
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  var money = function (n) {
    return n === null ? '—' : '€' + n.toFixed(2);
  };

  function shopAs(id) {
    window.patron.ready(function (p) {
      p.identify(id);
      // Send the identify first, but never wait on it for long.
      var go = function () {
        location.href = '/';
      };
      Promise.race([
        p.flush(),
        new Promise(function (resolve) {
          setTimeout(resolve, 2000);
        }),
      ]).then(go, go);
    });
  }

  function customers() {
    var body = document.querySelector('#customer-table tbody');
    body.textContent = '';
    return Promise.all(
      [
        ['rfm', 'champions'],
        ['rfm', 'loyal'],
        ['churnRisk', 'at-risk'],
        ['churnRisk', 'lost'],
      ].map(function (filter) {
        return api('/v1/customers?limit=2&' + filter[0] + '=' + filter[1]).then(function (res) {
          res.customers.forEach(function (c) {
            var row = el('tr', { 'data-customer': c.id });
            [c.id, c.segment ? c.segment.label : '—', c.rfm.label, c.churnRisk || '—', String(c.orders), money(c.clv)].forEach(function (text) {
              row.appendChild(el('td', {}, text));
            });
            var button = el('button', { type: 'button', class: 'secondary' }, 'Shop as');
            button.addEventListener('click', function () {
              shopAs(c.id);
            });
            var cell = el('td');
            cell.appendChild(button);
            row.appendChild(cell);
            body.appendChild(row);
          });
        });
      }),
    );
  }

  function open() {
    api('/v1/clv')
      .then(function (p) {
        document.getElementById('login').hidden = true;
        document.getElementById('workspace').hidden = false;
        document.getElementById('portfolio').textContent =
          p.customers + ' customers who bought, worth ' + money(p.clv) + ' over the next 12 months (' + p.byChurnRisk['at-risk'].customers + ' at risk, ' + p.byChurnRisk.lost.customers + ' lost).';
        return customers();
      })
      .catch(function (error) {
        alert('The collector refused the key: ' + error.message);
      });
  }

  document.getElementById('login').addEventListener('submit', function (e) {
    e.preventDefault();
    key = document.getElementById('admin-key').value.trim();
    sessionStorage.setItem('northwind.adminKey', key);
    open();
  });
  if (key) open();
})();
