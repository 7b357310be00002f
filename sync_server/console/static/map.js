/* The console's map page (Bản đồ): sites from /console/map/markers as coloured markers,
   clustered (Leaflet.markercluster), with popups linking to the site's inspections and its
   latest record. Tiles come from the configured URL; when none is set or none loads (offline),
   the markers are drawn on a plain background with the district names. */
(function () {
  "use strict";
  var ORDER = ["overdue", "failed", "action_open", "passed", "unscored", "never"];
  var COLOURS = { overdue: "#7b1fa2", failed: "#d32f2f", action_open: "#ef6c00", passed: "#2e7d32", unscored: "#1565c0", never: "#8a8a8a" };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function popup(marker, settings, texts) {
    var box = el("div", { "class": "map-popup" });
    box.appendChild(el("h3", {}, marker.name));
    box.appendChild(el("p", {}, (settings.kinds[marker.kind] || marker.kind) + " · " + marker.district));
    var state = el("p");
    state.appendChild(el("span", { "class": "map-dot state-" + marker.state, "aria-hidden": "true" }));
    state.appendChild(document.createTextNode(" " + settings.states[marker.state]));
    box.appendChild(state);
    if (marker.result_label) {
      var score = marker.score !== null && marker.score !== undefined ? " (" + marker.score + "%)" : "";
      box.appendChild(el("p", {}, texts.result + ": " + (marker.result_label[settings.lang] || marker.result) + score));
    }
    if (marker.inspected_at_text) box.appendChild(el("p", {}, texts.inspected + ": " + marker.inspected_at_text));
    if (marker.overdue_actions) box.appendChild(el("p", {}, marker.overdue_actions + " " + texts.overdue));
    if (marker.open_actions) box.appendChild(el("p", {}, marker.open_actions + " " + texts.open));
    var links = el("p");
    links.appendChild(el("a", { href: "/console/inspections?site_id=" + encodeURIComponent(marker.site_id) }, texts.history));
    if (marker.inspection_id) {
      links.appendChild(document.createTextNode(" · "));
      links.appendChild(el("a", { href: "/console/inspections/" + encodeURIComponent(marker.inspection_id) }, texts.last));
    }
    box.appendChild(links);
    return box;
  }

  function clusterIcon(cluster) {
    var worst = ORDER.length - 1;
    cluster.getAllChildMarkers().forEach(function (m) { worst = Math.min(worst, ORDER.indexOf(m.options.state)); });
    var n = cluster.getChildCount();
    var size = n < 10 ? 32 : n < 100 ? 38 : 46;
    return L.divIcon({
      html: '<div class="map-cluster" style="width:' + size + "px;height:" + size + "px;background:" + COLOURS[ORDER[worst]] + '">' + n + "</div>",
      className: "map-cluster-icon", iconSize: [size, size]
    });
  }

  function showPlain(map, container, districtLayer) {
    container.classList.add("plain");
    document.getElementById("map-no-tiles").hidden = false;
    if (!map.hasLayer(districtLayer)) districtLayer.addTo(map);
  }

  function start() {
    var container = document.getElementById("site-map");
    if (!container || typeof L === "undefined") return;
    var settings = JSON.parse(container.getAttribute("data-settings"));
    var textsNode = document.getElementById("map-texts");
    var texts = {};
    ["history", "last", "inspected", "overdue", "open", "district", "result"].forEach(function (k) { texts[k] = textsNode.getAttribute("data-" + k); });
    container.innerHTML = "";
    var map = L.map(container, { maxZoom: 19 }).setView([21.59, 105.85], 10);
    container.leafletMap = map; // for the browser tests (zoom to a site)
    var districtLayer = L.layerGroup();
    if (settings.tiles) {
      var tiles = L.tileLayer(settings.tiles, { maxZoom: 19, attribution: settings.attribution });
      var loaded = false, failed = 0;
      tiles.on("tileload", function () { loaded = true; container.classList.remove("plain"); });
      tiles.on("tileerror", function () {
        failed += 1;
        if (!loaded && failed >= 1) { map.removeLayer(tiles); showPlain(map, container, districtLayer); }
      });
      tiles.addTo(map);
    } else {
      showPlain(map, container, districtLayer);
    }
    var query = new URLSearchParams(new FormData(document.getElementById("map-filters")));
    Array.from(query.keys()).forEach(function (k) { if (!query.get(k)) query.delete(k); });
    fetch(settings.markers + "?" + query.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) { var e = document.getElementById("map-error"); e.textContent = res.body.detail; e.hidden = false; return; }
        var data = res.body;
        var group = L.markerClusterGroup({ chunkedLoading: true, iconCreateFunction: clusterIcon, showCoverageOnHover: false, maxClusterRadius: 50 });
        var bounds = [], markers = [];
        data.markers.forEach(function (m) {
          var icon = L.divIcon({ html: '<span class="map-dot state-' + m.state + '"></span>', className: "map-marker", iconSize: [20, 20] });
          var marker = L.marker([m.lat, m.lon], { icon: icon, state: m.state, title: m.name, alt: m.name });
          marker.bindPopup(function () { return popup(m, settings, texts); });
          markers.push(marker);
          bounds.push([m.lat, m.lon]);
        });
        // fit first, then add: the clusters are made once, at the zoom the map shows
        if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14, animate: false });
        group.addLayers(markers);
        group.addTo(map);
        data.districts.forEach(function (d) {
          L.tooltip({ permanent: true, direction: "center", className: "map-district", interactive: false })
            .setLatLng([d.lat, d.lon]).setContent(d.name).addTo(districtLayer);
        });
        Object.keys(data.counts).forEach(function (state) {
          var node = document.querySelector('[data-count="' + state + '"]');
          if (node) node.textContent = data.counts[state];
        });
        document.getElementById("map-shown").textContent = data.markers.length;
        if (data.unlocated) {
          var u = document.getElementById("map-unlocated");
          u.querySelector("strong").textContent = data.unlocated;
          u.hidden = false;
        }
        container.setAttribute("data-ready", String(data.markers.length));
      })
      .catch(function (err) { var e = document.getElementById("map-error"); e.textContent = String(err); e.hidden = false; });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
