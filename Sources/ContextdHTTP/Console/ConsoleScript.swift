/// `/assets/console.js`: the console's only script. Pages are complete without it; on the
/// overview it polls `/v1/status` (same origin, the session cookie) every second and writes
/// the numbers into `data-status` elements, rebuilds the lists and the chart. Text goes in
/// through `textContent` only, never as markup. A page region marked `data-refresh` (the
/// newest tasks) is fetched again every second as the server renders it, and swapped in when
/// it changed: the server's escaped HTML, parsed by `DOMParser` (which runs no script).
enum ConsoleScript {
    static let source: StaticString = #"""
"use strict";
(function () {
  var root = document.querySelector("[data-live]");
  if (!root) return;
  var url = root.getAttribute("data-live");

  function at(report, path) {
    var value = report;
    path.split(".").forEach(function (key) {
      if (value === undefined || value === null) return;
      if (Array.isArray(value) && /^-?\d+$/.test(key)) {
        var index = Number(key);
        value = value[index < 0 ? value.length + index : index];
      } else {
        value = value[key];
      }
    });
    return value;
  }

  function show(value, path) {
    if (value === undefined && /^tasks\.acked\./.test(path)) return "0";
    if (value === undefined || value === null) return "\u2014";
    if (value === true) return "yes";
    if (value === false) return "no";
    if (typeof value === "number") {
      return Number.isInteger(value) ? String(value) : String(Math.round(value * 10) / 10);
    }
    return String(value);
  }

  function element(tag, text) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Replaces a list's items only when they changed, so what a person selected in it stays.
  function fill(list, items) {
    var nodes = list.childNodes;
    if (nodes.length === items.length && items.every(function (item, index) { return nodes[index].isEqualNode(item); })) {
      return;
    }
    while (list.firstChild) list.removeChild(list.firstChild);
    items.forEach(function (item) { list.appendChild(item); });
  }

  var lists = {
    "not_ready": function (report) {
      return (report.not_ready || []).map(function (reason) { return element("li", reason); });
    },
    "rules.last_reload.errors": function (report) {
      return ((report.rules && report.rules.last_reload && report.rules.last_reload.errors) || []).map(function (e) {
        return element("li", e.file + ":" + e.line + ":" + e.column + ": " + e.message);
      });
    },
    "last_rejects": function (report) {
      var items = [];
      (report.spools || []).forEach(function (spool) {
        (spool.last_rejects || []).forEach(function (r) {
          items.push(element("li", spool.name + ": " + r.file + " (" + r.at + "): " + r.reason));
        });
      });
      return items;
    },
    "cluster.refusal": function (report) {
      var refusal = report.cluster && report.cluster.refusal;
      return refusal ? [element("li", refusal)] : [];
    },
    "cluster.nodes": function (report) {
      var cluster = report.cluster || {};
      return (cluster.nodes || []).map(function (node) {
        var differs = node.rules !== cluster.cluster_rules;
        return row([node.id, node.live ? "live" : "gone", String(node.incarnation),
          node.rules + (differs ? " (differs)" : ""), node.drained ? "drained" : "busy", String(node.position),
          String(node.partitions), node.heartbeat_at], !node.live || differs);
      });
    },
    "cluster.partitions": function (report) {
      return ((report.cluster && report.cluster.partitions) || []).map(function (p) {
        return row([String(p.partition), p.owner === null ? "nobody" : p.owner, String(p.epoch), String(p.applied),
          String(p.lag)], p.owner === null);
      });
    },
    "cluster.partition_summary": function (report) {
      var partitions = (report.cluster && report.cluster.partitions) || [];
      var unowned = partitions.filter(function (p) { return p.owner === null; })
        .map(function (p) { return String(p.partition); });
      var behind = partitions.filter(function (p) { return p.lag > 0; }).sort(function (a, b) {
        return b.lag - a.lag || a.partition - b.partition;
      }).slice(0, 3).map(function (p) {
        return p.partition + " (" + (p.owner === null ? "nobody" : p.owner) + ", " + p.lag + ")";
      });
      return [document.createTextNode(partitions.length + " partitions \u00b7 unowned: " +
        (unowned.length ? unowned.join(", ") : "none") + " \u00b7 most behind: " +
        (behind.length ? behind.join(", ") : "none"))];
    },
    "spools": function (report) {
      return (report.spools || []).map(function (spool) {
        var row = element("tr");
        var name = element("th", spool.name);
        name.setAttribute("scope", "row");
        row.appendChild(name);
        var progress = spool.in_progress
          ? spool.in_progress.file + ": " + spool.in_progress.done + " of " +
            (spool.in_progress.total === null || spool.in_progress.total === undefined ? "?" : spool.in_progress.total)
          : "\u2014";
        [String(spool.new), String(spool.cur), progress, String(spool.done_last_hour),
          String(spool.rejected_last_hour)].forEach(function (text, index) {
          var cell = element("td", text);
          if (index !== 2) cell.className = "number";
          row.appendChild(cell);
        });
        return row;
      });
    }
  };

  // A table row as the cluster page draws it (ClusterView.row): the first cell a row header,
  // whole numbers right-aligned, a row that needs an operator's eye marked "problem".
  function row(cells, problem) {
    var tr = element("tr");
    if (problem) tr.className = "problem";
    cells.forEach(function (text, index) {
      var cell = element(index === 0 ? "th" : "td", text);
      if (index === 0) cell.setAttribute("scope", "row");
      else if (/^-?\d+$/.test(text)) cell.className = "number";
      tr.appendChild(cell);
    });
    return tr;
  }

  function points(values) {
    if (values.length === 0) return "";
    var top = Math.max(1, Math.max.apply(null, values));
    var step = values.length > 1 ? 600 / (values.length - 1) : 0;
    return values.map(function (value, index) {
      return Math.round(index * step) + "," + Math.round(115 - value / top * 110);
    }).join(" ");
  }

  function render(report) {
    root.querySelectorAll("[data-status]").forEach(function (node) {
      var path = node.getAttribute("data-status");
      var text = show(at(report, path), path);
      if (node.textContent !== text) node.textContent = text;
    });
    root.querySelectorAll("[data-status-list]").forEach(function (node) {
      var build = lists[node.getAttribute("data-status-list")];
      if (build) fill(node, build(report));
    });
    root.querySelectorAll("[data-series]").forEach(function (line) {
      var key = line.getAttribute("data-series");
      line.setAttribute("points", points((report.last_hour || []).map(function (m) { return m[key]; })));
    });
    root.removeAttribute("data-stale");
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(render)
      .then(function () { window.contextdPolls = (window.contextdPolls || 0) + 1; })
      .catch(function () { root.setAttribute("data-stale", "true"); })
      .then(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 1000);
})();
(function () {
  var region = document.querySelector("[data-refresh]");
  if (!region || typeof DOMParser === "undefined") return;
  var key = region.getAttribute("data-refresh");

  function poll() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html")
          .querySelector('[data-refresh="' + key + '"]');
        var current = document.querySelector('[data-refresh="' + key + '"]');
        if (fresh && current && fresh.textContent !== current.textContent) {
          current.replaceWith(document.importNode(fresh, true));
        }
        window.contextdRefreshes = (window.contextdRefreshes || 0) + 1;
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 1000);
})();
"""#
}
