// Twofold's own JavaScript: small, no inline handlers (works under a strict CSP).
// Everything here is an enhancement: every page works without it.
(function () {
  "use strict";

  // ---------- Pipeline board: drag a card onto another column ----------
  // A drop selects the column's stage in the card's own move form and submits it, so a drag
  // and the accessible "Move" button take exactly the same path (HTMX posts the form).
  var draggedCard = null;

  function columnOf(element) {
    return element && element.closest ? element.closest(".board-column") : null;
  }

  function clearDropTargets() {
    document.querySelectorAll(".board-column.is-drop-target").forEach(function (column) {
      column.classList.remove("is-drop-target");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".deal-card");
    if (!card) return;
    draggedCard = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.dealId);
  });

  document.addEventListener("dragend", function () {
    if (draggedCard) draggedCard.classList.remove("is-dragging");
    draggedCard = null;
    clearDropTargets();
  });

  document.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (!column || !draggedCard) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("is-drop-target")) {
      clearDropTargets();
      column.classList.add("is-drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    if (!column || !draggedCard) return;
    event.preventDefault();
    clearDropTargets();
    var card = draggedCard;
    var select = card.querySelector("select.card-stage");
    var form = card.querySelector("form.card-move");
    if (!select || !form || columnOf(card) === column) return;
    select.value = column.dataset.stageId;
    column.querySelector(".cards").appendChild(card); // show the move at once; the answer redraws the board
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });

  // ---------- Global search dropdown ----------
  function searchResults() { return document.getElementById("search-results"); }

  function closeSearch() {
    var results = searchResults();
    if (results) results.innerHTML = "";
  }

  document.addEventListener("keydown", function (event) {
    var results = searchResults();
    if (!results) return;
    if (event.key === "Escape" && results.innerHTML) {
      closeSearch();
      document.getElementById("global-search-input").focus();
    }
    if (event.key === "ArrowDown" && event.target.id === "global-search-input") {
      var first = results.querySelector("a");
      if (first) { event.preventDefault(); first.focus(); }
    }
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest(".global-search")) closeSearch();
    var dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) dismiss.closest(".flash").remove();
    if (event.target.closest("[data-back]")) history.back();
  });

  // ---------- Flash messages ----------
  function flash(message) {
    var area = document.getElementById("flash");
    if (!area) return;
    var box = document.createElement("div");
    box.className = "flash flash-error";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.textContent = message;
    box.appendChild(text);
    area.replaceChildren(box);
  }

  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr.status >= 500) {
      flash("Something went wrong on the server (" + event.detail.xhr.status + "). Please reload the page and try again.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    flash("Twofold could not be reached. Check the connection and try again.");
  });

  // After HTMX redraws the board, put the focus where the user has to look next (a card's
  // first missing field). The swap replaced #board, so the event's target is the old board.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && target.id === "board") {
      var focus = document.querySelector("#board [data-focus]");
      if (focus) focus.focus();
    }
    document.querySelectorAll("#flash .flash-success").forEach(function (box) {
      setTimeout(function () { box.remove(); }, 6000);
    });
  });

  // ---------- Event debugger: polling prepends new events; keep the list short ----------
  var MAX_FEED_ITEMS = 200;
  document.addEventListener("htmx:afterSettle", function () {
    var feed = document.getElementById("event-feed");
    if (!feed) return;
    while (feed.children.length > MAX_FEED_ITEMS) feed.removeChild(feed.lastElementChild);
  });

  // ---------- Org chart (Apache ECharts tree) ----------
  var palette = { brand: "#2f5bb7", line: "#c6ccd4", box: "#ffffff", boxLeft: "#f1f3f5",
                  ink: "#1d2733", faint: "#8a94a3", border: "#9fb3da", borderLeft: "#d5dae1" };

  // Each person is a box with their name and title; leavers are greyed out.
  function styleNode(node, depth) {
    var root = depth === 0;
    return {
      name: node.name,
      title: node.title,
      url: node.url,
      left: node.left,
      symbolSize: root ? [150, 34] : [164, 36],
      itemStyle: {
        color: root ? palette.brand : (node.left ? palette.boxLeft : palette.box),
        borderColor: root ? palette.brand : (node.left ? palette.borderLeft : palette.border),
        borderWidth: 1
      },
      label: { color: root ? "#fff" : (node.left ? palette.faint : palette.ink) },
      children: (node.children || []).map(function (child) { return styleNode(child, depth + 1); })
    };
  }

  // ECharts rich text uses {style|text}; braces in a name would be read as markup.
  function richText(text) { return String(text).replace(/[{}|]/g, " "); }

  function depthOf(node) {  // levels below this node
    if (!node.children || !node.children.length) return 0;
    return 1 + Math.max.apply(null, node.children.map(depthOf));
  }

  function countLeaves(node) {
    if (!node.children || !node.children.length) return 1;
    return node.children.reduce(function (sum, child) { return sum + countLeaves(child); }, 0);
  }

  function drawOrgChart(container) {
    var source = document.getElementById(container.dataset.orgChart);
    if (!source || !window.echarts) return;
    var data = styleNode(JSON.parse(source.textContent), 0);
    container.hidden = false;
    // One column of boxes per level and one row per person at the bottom of a line; a chart
    // wider than the panel scrolls sideways instead of squeezing the boxes together.
    var canvas = document.createElement("div");
    canvas.style.width = Math.max(container.clientWidth, (depthOf(data) + 1) * 200) + "px";
    canvas.style.height = Math.max(200, countLeaves(data) * 62) + "px";
    container.appendChild(canvas);
    var chart = window.echarts.init(canvas, null, { renderer: "canvas" });
    chart.setOption({
      animationDuration: 300,
      tooltip: {
        trigger: "item",
        formatter: function (params) {
          var item = params.data;
          var parts = [window.echarts.format.encodeHTML(item.name)];
          if (item.title) parts.push(window.echarts.format.encodeHTML(item.title));
          if (item.left) parts.push("has left the account");
          return parts.join("<br>");
        }
      },
      series: [{
        type: "tree",
        data: [data],
        orient: "LR",
        top: 24, bottom: 24, left: 84, right: 92,
        symbol: "rect",
        edgeShape: "polyline",
        edgeForkPosition: "50%",
        initialTreeDepth: -1,
        expandAndCollapse: false,
        roam: false,
        lineStyle: { color: palette.line, width: 1.2 },
        label: {
          position: "inside", fontSize: 12, lineHeight: 16, overflow: "truncate", width: 152,
          formatter: function (params) {
            var item = params.data;
            var name = "{name|" + richText(item.name) + "}";
            return item.title ? name + "\n{title|" + richText(item.title) + "}" : name;
          },
          rich: {
            name: { fontWeight: 600, fontSize: 12 },
            title: { fontSize: 11, color: palette.faint }
          }
        }
      }]
    });
    chart.on("click", function (params) {
      if (params.data && params.data.url) window.location.href = params.data.url;
    });
    window.addEventListener("resize", function () { chart.resize(); });

    // The nested list stays available (for screen readers and for copying) behind a toggle.
    var list = container.parentElement.querySelector("[data-org-fallback]");
    if (list) {
      list.hidden = true;
      var toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "button button-quiet button-small";
      toggle.textContent = "Show as a list";
      toggle.setAttribute("aria-expanded", "false");
      toggle.addEventListener("click", function () {
        list.hidden = !list.hidden;
        toggle.setAttribute("aria-expanded", String(!list.hidden));
        toggle.textContent = list.hidden ? "Show as a list" : "Hide the list";
      });
      list.parentElement.insertBefore(toggle, list);
    }
  }

  // ---------- Forecast chart (Apache ECharts: stacked categories, quota markers) ----------
  var categoryColors = { closed: "#1f7a4d", commit: "#2f5bb7", best_case: "#7c9be0", pipeline: "#a9b4c2" };

  function drawForecastChart(container) {
    var source = document.getElementById(container.dataset.forecastChart);
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var encode = window.echarts.format.encodeHTML;
    var money = new Intl.NumberFormat("en-US", {
      style: "currency", currency: data.currency, maximumFractionDigits: 0
    });
    // Amounts arrive as decimal strings; numbers are only needed to draw them.
    var series = data.series.map(function (item) {
      return {
        name: item.name, type: "bar", stack: "forecast", barMaxWidth: 56,
        itemStyle: { color: categoryColors[item.key] },
        data: item.values.map(Number)
      };
    });
    series.push({
      name: "Quota", type: "scatter", symbol: "rect", symbolSize: [56, 4], z: 5,
      itemStyle: { color: "#b42318" },
      data: data.quota.map(function (value) { return value === null ? "-" : Number(value); })
    });
    container.hidden = false;
    var chart = window.echarts.init(container, null, { renderer: "canvas" });
    chart.setOption({
      animationDuration: 300,
      grid: { left: 16, right: 24, top: 44, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: function (items) {
          var lines = [encode(items[0].axisValue)];
          items.forEach(function (item) {
            if (typeof item.value !== "number") return;
            lines.push(item.marker + encode(item.seriesName) + ": " + encode(money.format(item.value)));
          });
          return lines.join("<br>");
        }
      },
      xAxis: {
        type: "category", data: data.names,
        axisLabel: { interval: 0, rotate: data.names.length > 8 ? 30 : 0 }
      },
      yAxis: { type: "value", axisLabel: { formatter: function (value) { return money.format(value); } } },
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // ---------- Pipeline analytics (Apache ECharts: funnel, expected vs actual) ----------
  function drawFunnelChart(container) {
    var source = document.getElementById(container.dataset.funnelChart);
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var encode = window.echarts.format.encodeHTML;
    container.hidden = false;
    var chart = window.echarts.init(container, null, { renderer: "canvas" });
    chart.setOption({
      animationDuration: 300,
      tooltip: {
        trigger: "item",
        formatter: function (item) {
          var stage = data.stages[item.dataIndex];
          return encode(stage.name) + ": " + stage.reached + " reached, " + stage.lost + " lost here";
        }
      },
      series: [{
        name: data.name, type: "funnel", sort: "none", gap: 2, left: "10%", width: "80%",
        minSize: "8%", label: { show: true, position: "inside" },
        data: data.stages.map(function (stage) {
          return { name: stage.name + " (" + stage.reached + ")", value: stage.reached };
        })
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawRevenueChart(container) {
    var source = document.getElementById(container.dataset.revenueChart);
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var encode = window.echarts.format.encodeHTML;
    var money = new Intl.NumberFormat("en-US", {
      style: "currency", currency: data.currency, maximumFractionDigits: 0
    });
    container.hidden = false;
    var chart = window.echarts.init(container, null, { renderer: "canvas" });
    chart.setOption({
      animationDuration: 300,
      grid: { left: 16, right: 24, top: 44, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: function (items) {
          var lines = [encode(items[0].axisValue)];
          items.forEach(function (item) {
            lines.push(item.marker + encode(item.seriesName) + ": " + encode(money.format(item.value)));
          });
          return lines.join("<br>");
        }
      },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", axisLabel: { formatter: function (value) { return money.format(value); } } },
      series: [
        { name: "Expected", type: "bar", itemStyle: { color: "#7c9be0" }, data: data.expected.map(Number) },
        { name: "Actual", type: "bar", itemStyle: { color: "#1f7a4d" }, data: data.actual.map(Number) }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // ---------- Economics charts (Apache ECharts: bars and heatmaps, data built server-side) ----------
  function drawEconChart(container) {
    var source = document.getElementById(container.dataset.econChart);
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var option = {
      animationDuration: 300,
      grid: { left: 16, right: 24, top: 36, bottom: 28, containLabel: true },
      tooltip: { trigger: data.kind === "heatmap" ? "item" : "axis" },
      xAxis: { type: "category", data: data.x, name: data.x_name || "", nameLocation: "middle", nameGap: 26 },
      yAxis: data.kind === "heatmap"
        ? { type: "category", data: data.y, name: data.y_name || "" }
        : { type: "value" }
    };
    if (data.kind === "heatmap") {
      option.visualMap = {
        min: 0, max: data.max || 1, calculable: false, orient: "horizontal", left: "center", top: 0,
        itemHeight: 120, inRange: { color: ["#eef2fb", "#2f5bb7"] }, show: true
      };
      option.grid.top = 48;
      option.series = [{
        type: "heatmap", data: data.cells,
        label: { show: data.y.length <= 14 && data.x.length <= 14, formatter: function (item) {
          return item.value[2] + (data.unit || "");
        } }
      }];
    } else {
      option.legend = { top: 0 };
      var colors = ["#2f5bb7", "#a9b4c2", "#1f7a4d"];
      option.series = data.series.map(function (item, index) {
        return { name: item.name, type: "bar", barMaxWidth: 40, itemStyle: { color: colors[index % 3] }, data: item.values };
      });
    }
    container.hidden = false;
    var chart = window.echarts.init(container, null, { renderer: "canvas" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function start() {
    document.querySelectorAll("[data-funnel-chart]").forEach(drawFunnelChart);
    document.querySelectorAll("[data-revenue-chart]").forEach(drawRevenueChart);
    document.querySelectorAll("[data-econ-chart]").forEach(drawEconChart);
    document.querySelectorAll("[data-forecast-chart]").forEach(drawForecastChart);
    document.querySelectorAll("[data-org-chart]").forEach(drawOrgChart);
    document.querySelectorAll("[data-back]").forEach(function (button) {
      if (history.length > 1) button.hidden = false;
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
