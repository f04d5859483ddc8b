// The demo shop's own code: catalog, cart and pages. It talks to Patron only through window.patron (the stub
// until patron.js has loaded) and data-patron-* attributes. Everything from the catalog goes in as text.
(function () {
  'use strict';
  var page = document.body.getAttribute('data-page');
  var params = new URLSearchParams(location.search);
  var CART = 'northwind.cart';

  function cart() {
    try {
      return JSON.parse(localStorage.getItem(CART) || '[]');
    } catch {
      return [];
    }
  }
  function saveCart(items) {
    localStorage.setItem(CART, JSON.stringify(items));
    document.getElementById('cart-count').textContent = String(
      items.reduce(function (n, i) {
        return n + i.quantity;
      }, 0),
    );
  }
  function money(p) {
    return new Intl.NumberFormat('en-IE', { style: 'currency', currency: p.currency || 'EUR' }).format(p.price);
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      node.appendChild(c);
    });
    return node;
  }
  function card(p) {
    return el('a', { class: 'card', href: p.url, 'data-product': p.id }, [
      el('img', { src: p.image, alt: p.name, loading: 'lazy' }),
      el('span', { class: 'card-name', text: p.name }),
      el('span', { class: 'card-price', text: p.in_stock ? money(p) : 'Sold out' }),
    ]);
  }
  function props(p, quantity) {
    return { product_id: p.id, sku: p.id, name: p.name, category: p.category, price: p.price, currency: p.currency, quantity: quantity || 1, url: p.url, image_url: p.image };
  }

  // Slots need their item before patron.js scans the page (on DOMContentLoaded): set it now.
  var productId = params.get('id');
  if (page === 'product' && productId) {
    ['also-bought', 'also-viewed'].forEach(function (id) {
      document.getElementById(id).setAttribute('data-patron-item', productId);
    });
  }
  if (page === 'cart') {
    var first = cart()[0];
    if (first) document.getElementById('cart-slot').setAttribute('data-patron-item', first.id);
    else {
      document.getElementById('complete').hidden = true;
      document.getElementById('cart-slot').removeAttribute('data-patron-slot');
    }
  }
  saveCart(cart());

  fetch('/catalog.json')
    .then(function (r) {
      return r.json();
    })
    .then(function (products) {
      var byId = {};
      products.forEach(function (p) {
        byId[p.id] = p;
      });
      var categories = [];
      products.forEach(function (p) {
        if (categories.indexOf(p.category) < 0) categories.push(p.category);
      });
      var nav = document.getElementById('categories');
      categories.forEach(function (c) {
        nav.appendChild(el('a', { href: '/?category=' + encodeURIComponent(c), text: c }));
      });

      if (page === 'index') {
        var category = params.get('category');
        var list = document.getElementById('products');
        if (category) document.getElementById('list-title').textContent = category;
        products
          .filter(function (p) {
            return !category || p.category === category;
          })
          .forEach(function (p) {
            list.appendChild(card(p));
          });
      }

      if (page === 'product') {
        var p = byId[productId];
        var box = document.getElementById('product');
        if (!p) {
          box.appendChild(el('p', { text: 'No such product.' }));
          return;
        }
        document.title = p.name + ' · Northwind Goods';
        var add = el('button', { id: 'add-to-cart', text: p.in_stock ? 'Add to cart' : 'Sold out' });
        if (!p.in_stock) add.disabled = true;
        add.addEventListener('click', function () {
          var items = cart();
          var line = items.filter(function (i) {
            return i.id === p.id;
          })[0];
          if (line) line.quantity++;
          else items.push({ id: p.id, quantity: 1 });
          saveCart(items);
          patron.productAdded(props(p, 1));
          add.textContent = 'Added ✓';
        });
        box.appendChild(el('img', { src: p.image, alt: p.name }));
        box.appendChild(
          el('div', {}, [
            el('p', { class: 'muted', text: p.category }),
            el('h1', { text: p.name }),
            el('p', { class: 'price', text: money(p) }),
            el('p', { text: 'A ' + p.attributes.line.toLowerCase() + ' take on the ' + p.name.split(' ').slice(1).join(' ').toLowerCase() + '.' }),
            add,
          ]),
        );
        patron.productViewed(props(p));
      }

      if (page === 'cart') {
        var items = cart();
        var holder = document.getElementById('cart');
        if (!items.length) holder.appendChild(el('p', { text: 'Your cart is empty.' }));
        var total = 0;
        items.forEach(function (i) {
          var q = byId[i.id];
          total += q.price * i.quantity;
          holder.appendChild(el('div', { class: 'line' }, [el('span', { text: i.quantity + ' × ' + q.name }), el('span', { text: money(q) })]));
        });
        if (items.length) {
          holder.appendChild(el('p', { class: 'total', text: 'Total ' + money({ price: total, currency: 'EUR' }) }));
          holder.appendChild(el('a', { class: 'button', id: 'to-checkout', href: '/checkout.html', text: 'Checkout' }));
        }
        patron.track('Cart Viewed', {
          products: items.map(function (i) {
            return props(byId[i.id], i.quantity);
          }),
        });
      }

      if (page === 'checkout') {
        var lines = cart();
        var summary = document.getElementById('summary');
        lines.forEach(function (i) {
          summary.appendChild(el('p', { text: i.quantity + ' × ' + byId[i.id].name }));
        });
        var ordered = lines.map(function (i) {
          return props(byId[i.id], i.quantity);
        });
        if (lines.length) patron.track('Checkout Started', { products: ordered });
        document.getElementById('checkout-form').addEventListener('submit', function (e) {
          e.preventDefault();
          if (!lines.length) return;
          var revenue =
            Math.round(
              ordered.reduce(function (s, p) {
                return s + p.price * p.quantity;
              }, 0) * 100,
            ) / 100;
          var orderId = 'order-' + Date.now().toString(36);
          patron.identify('shopper:' + document.getElementById('email').value.toLowerCase(), { email: document.getElementById('email').value });
          patron.orderCompleted({ order_id: orderId, revenue: revenue, currency: 'EUR', products: ordered });
          saveCart([]);
          document.getElementById('checkout-form').hidden = true;
          document.getElementById('order-id').textContent = orderId;
          document.getElementById('thanks').hidden = false;
          // Recommend from the order just placed: send it first.
          patron.ready(function (p) {
            p.flush().then(function () {
              document.getElementById('thanks-slot').setAttribute('data-patron-slot', 'thanks-for-you');
              p.renderSlots();
            });
          });
        });
      }
    });
})();
