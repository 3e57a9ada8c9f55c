// Segments: the visual rule builder (it writes the JSON field of the form), the live count,
// and the size-over-time chart. The page works without this file: the rule is plain JSON.
(function () {
  "use strict";

  var OPS = ["eq", "neq", "gt", "gte", "lt", "lte", "between", "in", "not_in", "contains",
    "starts_with", "ends_with", "exists", "not_exists"];
  var OP_TEXT = { eq: "is", neq: "is not", gt: ">", gte: "≥", lt: "<", lte: "≤", between: "between",
    in: "is one of", not_in: "is none of", contains: "contains", starts_with: "starts with",
    ends_with: "ends with", exists: "is known", not_exists: "is unknown" };
  var COMPARE = ["gte", "gt", "eq", "lte", "lt"];
  var MEASURES = [["", "at least once"], ["count", "count"], ["sum", "sum of"], ["avg", "average of"],
    ["min", "minimum of"], ["max", "maximum of"], ["last_seen_days_ago", "last time, days ago"],
    ["first_seen_days_ago", "first time, days ago"]];
  var KINDS = { persons: [["trait", "Trait"], ["event", "Event"], ["order", "Orders"],
    ["prediction", "Prediction"], ["segment", "In segment"], ["account", "Their account"]],
    accounts: [["field", "Account field"], ["deal", "Has a deal"], ["people", "People who…"],
      ["segment", "In segment"]] };
  var vocabulary = { events: [], traits: [], account_fields: [], predictions: [], segments: [],
    order_fields: [] };
  var datalistCount = 0;

  // -- small DOM helpers (text always through textContent / value, never HTML) --------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "value") node.value = attrs[key];
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), attrs[key]);
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }
  function select(options, value, label, onchange) {
    var node = el("select", { "aria-label": label, onchange: onchange });
    options.forEach(function (option) {
      var pair = Array.isArray(option) ? option : [option, option];
      var item = el("option", { value: pair[0], text: pair[1] });
      if (String(pair[0]) === String(value)) item.selected = true;
      node.appendChild(item);
    });
    return node;
  }
  function picker(names, value, label, oninput) {
    var id = "segment-names-" + (datalistCount += 1);
    var list = el("datalist", { id: id });
    names.forEach(function (name) { list.appendChild(el("option", { value: name })); });
    var input = el("input", { type: "text", list: id, value: value || "", "aria-label": label,
      placeholder: label, oninput: oninput });
    return [input, list];
  }
  function number(value, label, oninput) {
    return el("input", { type: "number", step: "any", value: value === undefined ? "" : value,
      "aria-label": label, oninput: oninput });
  }
  function button(text, onclick, label) {
    return el("button", { type: "button", class: "button button-small", text: text,
      "aria-label": label || text, onclick: onclick });
  }
  function numeric(text) { var n = Number(text); return text === "" || isNaN(n) ? text : n; }

  // -- values of an operator ---------------------------------------------------------------
  function valueEditor(condition, onchange) {
    var op = condition.op;
    if (op === "exists" || op === "not_exists") { delete condition.value; return []; }
    if (op === "between") {
      var pair = Array.isArray(condition.value) ? condition.value : ["", ""];
      var low = el("input", { type: "text", value: pair[0], "aria-label": "from", oninput: function () {
        condition.value = [numeric(low.value), numeric(high.value)]; onchange(); } });
      var high = el("input", { type: "text", value: pair[1], "aria-label": "to", oninput: function () {
        condition.value = [numeric(low.value), numeric(high.value)]; onchange(); } });
      return [low, el("span", { text: "and" }), high];
    }
    if (op === "in" || op === "not_in") {
      var items = Array.isArray(condition.value) ? condition.value.join(", ") : "";
      var list = el("input", { type: "text", value: items, "aria-label": "values, comma separated",
        placeholder: "a, b, c", oninput: function () {
          condition.value = list.value.split(",").map(function (v) { return numeric(v.trim()); })
            .filter(function (v) { return v !== ""; });
          onchange(); } });
      return [list];
    }
    var shown = condition.value === undefined ? "" : condition.value;
    var input = el("input", { type: "text", value: String(shown), "aria-label": "value",
      oninput: function () {
        var text = input.value;
        condition.value = text === "true" ? true : text === "false" ? false : numeric(text);
        onchange(); } });
    return [input];
  }
  function opSelect(condition, rerender) {
    return select(OPS.map(function (op) { return [op, OP_TEXT[op]]; }), condition.op, "operator",
      function (event) { condition.op = event.target.value; rerender(); });
  }
  function comparison(holder, key, rerender, changed) {
    // holder[key] is {"gte": 3}
    var current = holder[key] || { gte: 1 };
    holder[key] = current;
    var op = Object.keys(current)[0] || "gte";
    var amount = current[op];
    return [select(COMPARE.map(function (o) { return [o, OP_TEXT[o]]; }), op, "comparison",
      function (event) { var v = current[op]; delete current[op]; op = event.target.value;
        current[op] = v; changed(); }),
      number(amount, "amount", function (event) { current[op] = numeric(event.target.value); changed(); })];
  }

  // -- one condition or group ----------------------------------------------------------------
  function render(node, scope, parent, index, changed, rerender) {
    var negated = node && node.not !== undefined;
    var inner = negated ? node.not : node;
    function replace(next) { parent[index] = negated ? { not: next } : next; rerender(); }
    var notBox = el("label", { class: "small" }, [
      el("input", { type: "checkbox", onchange: function (event) {
        parent[index] = event.target.checked ? { not: inner } : inner; rerender(); } }),
      document.createTextNode(" not")]);
    notBox.firstChild.checked = negated;
    var remove = button("×", function () { parent.splice(index, 1); rerender(); }, "remove condition");

    if (inner && (inner.all || inner.any)) {
      return group(inner, scope, notBox, remove, replace, changed, rerender, negated);
    }
    var row = el("div", { class: "rule-row" }, [notBox]);
    var parts = condition(inner, scope, changed, rerender);
    parts.forEach(function (part) { row.appendChild(part); });
    row.appendChild(remove);
    return row;
  }

  function group(node, scope, notBox, remove, replace, changed, rerender, negated) {
    var mode = node.all ? "all" : "any";
    var children = node[mode];
    var box = el("div", { class: "rule-group" + (negated ? " is-negated" : "") });
    var head = el("div", { class: "rule-group-head" }, [notBox || el("span"),
      el("span", { text: "Match" }),
      select([["all", "all of"], ["any", "any of"]], mode, "all or any", function (event) {
        var next = {}; next[event.target.value] = children; replace(next); })]);
    if (remove) head.appendChild(remove);
    box.appendChild(head);
    var list = el("div", { class: "rule-children" });
    children.forEach(function (child, index) {
      list.appendChild(render(child, scope, children, index, changed, rerender));
    });
    box.appendChild(list);
    var kind = select(KINDS[scope], KINDS[scope][0][0], "kind of condition");
    box.appendChild(el("div", { class: "rule-add" }, [kind,
      button("+ condition", function () { children.push(blank(kind.value)); rerender(); }),
      button("+ group", function () { children.push({ any: [blank(KINDS[scope][0][0])] }); rerender(); })]));
    return box;
  }

  function blank(kind) {
    switch (kind) {
      case "trait": return { trait: "", op: "eq", value: "" };
      case "event": return { event: "", within_days: 30 };
      case "order": return { order: { within_days: 365 } };
      case "prediction": return { prediction: "churn_risk", op: "gte", value: 0.7 };
      case "segment": return { segment: (vocabulary.segments[0] || {}).id || 1 };
      case "account": return { account: { all: [{ field: "industry", op: "eq", value: "" }] } };
      case "field": return { field: "", op: "eq", value: "" };
      case "deal": return { deal: { stage_kind: "open" } };
      default: return { people: { event: "", within_days: 30 }, count: { gte: 3 } };
    }
  }

  function condition(node, scope, changed, rerender) {
    if (node.trait !== undefined || node.field !== undefined) {
      var key = node.trait !== undefined ? "trait" : "field";
      var names = key === "trait" ? vocabulary.traits : vocabulary.account_fields;
      return picker(names, node[key], key === "trait" ? "trait" : "account field", function (event) {
        node[key] = event.target.value.trim(); changed(); })
        .concat([opSelect(node, rerender)], valueEditor(node, changed));
    }
    if (node.prediction !== undefined) {
      return [select(vocabulary.predictions, node.prediction, "prediction", function (event) {
        node.prediction = event.target.value; changed(); }), opSelect(node, rerender)]
        .concat(valueEditor(node, changed));
    }
    if (node.segment !== undefined) {
      var choices = vocabulary.segments.filter(function (s) { return s.target === scope; })
        .map(function (s) { return [s.id, s.name]; });
      if (!choices.some(function (c) { return String(c[0]) === String(node.segment); })) {
        choices.unshift([node.segment, "segment " + node.segment]);
      }
      return [el("span", { text: "in segment" }), select(choices, node.segment, "segment", function (event) {
        node.segment = Number(event.target.value); changed(); })];
    }
    if (node.event !== undefined) return eventEditor(node, changed, rerender);
    if (node.order !== undefined) return orderEditor(node.order, changed, rerender);
    if (node.deal !== undefined) {
      var kind = node.deal.stage_kind || "open";
      if (Object.keys(node.deal).length > 1) return advanced(node);
      return [el("span", { text: "has a deal that is" }), select(["open", "won", "lost"], kind,
        "deal stage kind", function (event) { node.deal.stage_kind = event.target.value; changed(); })];
    }
    if (node.account !== undefined) {
      var holder = [node.account];
      return [el("span", { text: "works at an account matching" }),
        nested(node.account, "accounts", function (next) { node.account = next; }, changed, rerender, holder)];
    }
    if (node.people !== undefined) {
      return [el("span", { text: "people who" }),
        nested(node.people, "persons", function (next) { node.people = next; }, changed, rerender),
        el("span", { text: "number" })].concat(comparison(node, "count", rerender, changed));
    }
    return advanced(node);
  }

  function nested(rule, scope, set, changed, rerender) {
    var wrapped = rule.all || rule.any ? rule : { all: [rule] };
    set(wrapped);
    var holder = [wrapped];
    return group(wrapped, scope, null, null, function (next) { set(next); rerender(); },
      changed, rerender, false, holder);
  }

  function eventEditor(node, changed, rerender) {
    var measure = ["count", "sum", "avg", "min", "max", "last_seen_days_ago", "first_seen_days_ago"]
      .filter(function (m) { return node[m] !== undefined; })[0] || "";
    if (node.between) return advanced(node);
    var parts = picker(vocabulary.events, node.event, "event", function (event) {
      node.event = event.target.value; changed(); });
    parts.push(select(MEASURES, measure, "measure", function (event) {
      ["count", "sum", "avg", "min", "max", "last_seen_days_ago", "first_seen_days_ago",
        "gte", "gt", "lt", "lte", "eq"].forEach(function (k) { delete node[k]; });
      var chosen = event.target.value;
      if (chosen === "count") node.count = { gte: 2 };
      else if (chosen === "last_seen_days_ago" || chosen === "first_seen_days_ago") node[chosen] = { gt: 30 };
      else if (chosen) { node[chosen] = "revenue"; node.gte = 100; }
      rerender(); }));
    if (measure === "count" || measure === "last_seen_days_ago" || measure === "first_seen_days_ago") {
      parts = parts.concat(comparison(node, measure, rerender, changed));
    } else if (measure) {
      parts.push(el("input", { type: "text", value: node[measure], "aria-label": "property",
        oninput: function (event) { node[measure] = event.target.value.trim(); changed(); } }));
      var op = COMPARE.filter(function (o) { return node[o] !== undefined; })[0] || "gte";
      var holder = {}; holder.cmp = {}; holder.cmp[op] = node[op];
      parts = parts.concat(comparison(holder, "cmp", rerender, function () {
        COMPARE.forEach(function (o) { delete node[o]; });
        var chosen = Object.keys(holder.cmp)[0]; node[chosen] = holder.cmp[chosen]; changed(); }));
    }
    parts.push(el("span", { text: "in the last" }), number(node.within_days, "days", function (event) {
      if (event.target.value === "") delete node.within_days; else node.within_days = numeric(event.target.value);
      changed(); }), el("span", { text: "days" }));
    (node.where || []).forEach(function (filter, index) {
      parts.push(el("span", { text: index ? "and" : "where" }));
      parts.push(el("input", { type: "text", value: filter.property, "aria-label": "property",
        oninput: function (event) { filter.property = event.target.value.trim(); changed(); } }));
      parts.push(opSelect(filter, rerender));
      parts = parts.concat(valueEditor(filter, changed));
      parts.push(button("×", function () { node.where.splice(index, 1);
        if (!node.where.length) delete node.where; rerender(); }, "remove property filter"));
    });
    parts.push(button("+ where", function () {
      node.where = (node.where || []).concat([{ property: "", op: "eq", value: "" }]); rerender(); }));
    return parts;
  }

  function orderEditor(order, changed, rerender) {
    if (order.between || order.where || order.avg || order.min || order.max) return advanced({ order: order });
    var measure = order.count ? "count" : order.sum ? "sum" : order.last_seen_days_ago ? "last_seen_days_ago"
      : order.first_seen_days_ago ? "first_seen_days_ago" : "";
    var parts = [el("span", { text: "orders:" }), select([["", "at least one"], ["count", "count"],
      ["sum", "total spent"], ["last_seen_days_ago", "last order, days ago"],
      ["first_seen_days_ago", "first order, days ago"]], measure, "order measure", function (event) {
      ["count", "sum", "gte", "last_seen_days_ago", "first_seen_days_ago"].forEach(function (k) { delete order[k]; });
      var chosen = event.target.value;
      if (chosen === "count") order.count = { gte: 2 };
      else if (chosen === "sum") { order.sum = "total"; order.gte = 100; }
      else if (chosen) order[chosen] = { gt: 30 };
      rerender(); })];
    if (measure === "sum") {
      parts.push(el("span", { text: "≥" }), number(order.gte, "amount", function (event) {
        order.gte = numeric(event.target.value); changed(); }));
    } else if (measure) {
      parts = parts.concat(comparison(order, measure, rerender, changed));
    }
    parts.push(el("span", { text: "in the last" }), number(order.within_days, "days", function (event) {
      if (event.target.value === "") delete order.within_days; else order.within_days = numeric(event.target.value);
      changed(); }), el("span", { text: "days" }));
    return parts;
  }

  function advanced(node) {
    return [el("code", { class: "rule-json-inline", text: JSON.stringify(node) }),
      el("span", { class: "muted small", text: "(edit this one in the JSON below)" })];
  }

  // -- the page: builder ↔ JSON field, live count ------------------------------------------
  function setUpBuilder(container) {
    var form = container.closest("form");
    var field = form.querySelector("textarea[name=rule]");
    var targetField = container.dataset.targetField ? document.getElementById(container.dataset.targetField) : null;
    var count = document.getElementById("preview-count");
    var sample = document.getElementById("preview-sample");
    var root = { rule: null };
    var timer = null;

    function scope() { return targetField ? targetField.value : container.dataset.target; }
    function parse() {
      try { var rule = JSON.parse(field.value); } catch (error) { return null; }
      if (!rule || typeof rule !== "object") return null;
      return rule.all || rule.any ? rule : { all: [rule] };
    }
    function changed() {
      field.value = JSON.stringify(root.rule, null, 2);
      schedulePreview();
    }
    function rerender() {
      container.replaceChildren(group(root.rule, scope(), null, null, function (next) {
        root.rule = next; rerender(); }, changed, rerender, false));
      changed();
    }
    function load() {
      var rule = parse();
      if (!rule) { container.replaceChildren(el("p", { class: "muted", text: "The JSON below is not a rule the builder can show yet." })); return; }
      root.rule = rule;
      container.replaceChildren(group(root.rule, scope(), null, null, function (next) {
        root.rule = next; rerender(); }, changed, rerender, false));
    }
    function schedulePreview() { clearTimeout(timer); timer = setTimeout(preview, 350); }
    function preview() {
      var body = new FormData();
      body.append("rule", field.value);
      body.append("target", scope());
      var token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
      fetch("/segments/builder/preview", { method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRF-Token": token } })
        .then(function (response) { return response.json().then(function (data) { return [response.ok, data]; }); })
        .then(function (result) {
          sample.replaceChildren();
          if (!result[0]) {
            var error = result[1].error || {};
            var detail = (error.details || [])[0];
            count.className = "preview-count is-error";
            count.textContent = detail ? detail.field + ": " + detail.message : (error.message || "not a valid rule");
            return;
          }
          count.className = "preview-count";
          count.textContent = result[1].count.toLocaleString() + " match now (" + result[1].seconds + " s)";
          result[1].sample.forEach(function (member) {
            sample.appendChild(el("li", { text: (member.name || "#" + member.id) + (member.email ? " · " + member.email : "") }));
          });
        })
        .catch(function () { count.className = "preview-count is-error"; count.textContent = "could not count (offline?)"; });
    }

    field.addEventListener("input", function () { load(); schedulePreview(); });
    if (targetField) targetField.addEventListener("change", function () {
      root.rule = { all: [blank(KINDS[scope()][0][0])] }; rerender(); });
    fetch("/segments/builder/vocabulary", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : vocabulary; })
      .then(function (found) { vocabulary = found; container.hidden = false; load(); preview(); })
      .catch(function () { container.hidden = false; load(); preview(); });
  }

  function drawSizeChart(container) {
    var source = document.getElementById(container.dataset.segmentSize);
    if (!source || !window.echarts) return;
    var points = JSON.parse(source.textContent);
    container.hidden = false;
    var chart = window.echarts.init(container, null, { renderer: "canvas" });
    chart.setOption({
      animationDuration: 300,
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: points.map(function (p) { return p.date; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: "Members", type: "line", step: "end", areaStyle: { opacity: 0.15 },
        data: points.map(function (p) { return p.members; }) }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#segment-builder").forEach(setUpBuilder);
    document.querySelectorAll("[data-segment-size]").forEach(drawSizeChart);
  });
})();
