/* app.js — the web map of caveat serve.
 *
 * Everything it shows comes from the service's API (docs/semantics.md, "The service"): the catalogs from
 * /v1/pack, the permitted, indeterminate and disputed areas from /v1/zones (GeoJSON, the same
 * cav_map as `caveat zones`), the comparison of two dates from /v1/diff, the rule changes from
 * /v1/timeline, a place's decision from /v1/decisions with explain, the sources' addresses from
 * /v1/sources. The base map is the service's own borders and regions (/v1/zones with ISO codes);
 * no tile, font or script comes from outside. The whole state is in the URL's hash (a permalink),
 * and window.caveatMap exposes the map and a `ready` promise for the browser tests.
 */
(function () {
  'use strict';
  const FIRST_DAY = '2022-02-24';
  const COUNTRIES = ['UA', 'RU', 'BY', 'MD', 'PL', 'RO', 'SK', 'HU', 'LT', 'LV', 'EE', 'FI', 'GE'];
  const REGIONS = ['RU-BRY', 'RU-KRS', 'RU-BEL', 'RU-VOR', 'RU-ROS'];
  const BASE_BBOX = '38,12,62,56'; // south,west,north,east: the base map's region
  const PLACES = [['Kyiv', 50.45, 30.52], ['Kharkiv', 49.99, 36.23], ['Belgorod', 50.60, 36.59],
    ['Kursk', 51.73, 36.19], ['Sumy', 50.91, 34.80], ['Bryansk', 53.24, 34.36],
    ['Voronezh', 51.67, 39.18], ['Donetsk', 48.00, 37.80], ['Luhansk', 48.57, 39.31],
    ['Rostov-on-Don', 47.24, 39.71], ['Taganrog', 47.21, 38.94], ['Yeysk', 46.71, 38.27],
    ['Moscow', 55.76, 37.62], ['Odesa', 46.48, 30.72], ['Lviv', 49.84, 24.03],
    ['Dnipro', 48.46, 35.05], ['Zaporizhzhia', 47.84, 35.14], ['Kherson', 46.64, 32.61],
    ['Simferopol', 44.95, 34.10], ['Minsk', 53.90, 27.57]];
  const STYLE = {
    'permitted-ukraine': { color: '#1d6b2a', weight: 1.2, fillColor: '#39a845', fillOpacity: 0.55, label: 'Permitted inside Ukraine' },
    'permitted-abroad': { color: '#0b3d6e', weight: 1.4, fillColor: '#2166ac', fillOpacity: 0.55, label: "Permitted across Ukraine's border" },
    'indeterminate': { color: '#a86a00', weight: 0.8, fillColor: '#f0a30a', fillOpacity: 0.6, label: 'Indeterminate' },
    'disputed': { color: '#7b1fa2', weight: 1.2, fillOpacity: 1, className: 'disputed', label: 'Hatched: permitted on a disputed rule' },
    'grew': { color: '#0d3d1b', weight: 1.8, fillColor: '#1b7837', fillOpacity: 0.8, label: 'Newly permitted' },
    'shrank': { color: '#c62828', weight: 1.6, fillOpacity: 1, className: 'shrank', label: 'No longer permitted' },
    'unchanged': { color: '#1d6b2a', weight: 0.8, fillColor: '#39a845', fillOpacity: 0.35, label: 'Permitted on both dates' },
  };
  const $ = (id) => document.getElementById(id);
  const state = {};
  let pack = null, sources = {}, changeDates = [], areaLayer = null, zoneLayer = null;
  let lastGeojson = null, playing = null, askMarker = null;

  // ---- helpers ----
  const day = (s) => Math.round(Date.parse(s + 'T00:00:00Z') / 86400000);
  const iso = (d) => new Date(d * 86400000).toISOString().slice(0, 10);
  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }
  async function api(path) {
    const r = await fetch(path, { headers: { Accept: 'application/json' } });
    const text = await r.text();
    let body = null;
    try { body = JSON.parse(text); } catch (e) { body = text; }
    if (!r.ok) throw new Error((body && body.error && body.error.message) || ('HTTP ' + r.status));
    return body;
  }
  function useParams(date) {
    const p = new URLSearchParams();
    for (const k of ['weapon', 'supplier', 'kind', 'role', 'state', 'purpose'])
      if (state[k]) p.set(k, state[k]);
    p.set('date', date || state.date);
    return p;
  }
  function fill(select, entries, blank) {
    select.innerHTML = '';
    if (blank) select.add(new Option(blank, ''));
    for (const e of entries) {
      const o = new Option(e.title && e.title !== e.id ? e.title : e.id, e.id);
      if (e.aliases && e.aliases.length) o.label = o.text + ' (' + e.aliases.join(', ') + ')';
      select.add(o);
    }
  }

  // ---- the map ----
  const map = L.map('map', { zoomSnap: 0.25, attributionControl: true, keyboard: true })
    .setView([49.5, 34], 5.5);
  map.attributionControl.setPrefix(false);
  const baseLayer = L.geoJSON(null, {
    interactive: false,
    renderer: L.canvas({ padding: 0.2 }), // thousands of border points: canvas draws them faster
    style: (f) => ({
      color: f.id === 'UA' ? '#3c3c3c' : f.id.indexOf('-') > 0 ? '#8c8c8c' : '#6a6a6a',
      weight: f.id === 'UA' ? 1.6 : 0.9,
      dashArray: f.id.indexOf('-') > 0 ? '4 2' : null,
      fillColor: f.id === 'UA' ? '#fdfcf7' : '#ece7db',
      fillOpacity: f.id.indexOf('-') > 0 ? 0 : 1,
    }),
  }).addTo(map);
  const placeLayer = L.layerGroup(PLACES.map(([name, lat, lon]) =>
    L.circleMarker([lat, lon], { radius: 3, color: '#fff', weight: 1, fillColor: '#222', fillOpacity: 1, interactive: false })
      .bindTooltip(name, { permanent: true, direction: 'right', className: 'place-label', offset: [4, 0] })));

  function styleOf(f) {
    return STYLE[f.id] || (f.properties && f.properties.assumption
      ? { color: '#333', weight: 1.8, dashArray: '6 3', fill: false }
      : { color: '#d95f02', weight: 2, dashArray: '7 4', fill: false });
  }
  function showAreas(gj) {
    lastGeojson = gj;
    if (areaLayer) map.removeLayer(areaLayer);
    if (zoneLayer) map.removeLayer(zoneLayer);
    const areas = gj.features.filter((f) => STYLE[f.id] && f.geometry);
    const zones = gj.features.filter((f) => !STYLE[f.id] && f.geometry);
    areaLayer = L.geoJSON({ type: 'FeatureCollection', features: areas }, { style: styleOf, interactive: false }).addTo(map);
    zoneLayer = L.geoJSON({ type: 'FeatureCollection', features: zones }, {
      style: styleOf, interactive: false,
      onEachFeature: (f, layer) => {
        if (f.properties.assumption)
          layer.bindTooltip(f.id + ' (assumed)', { permanent: true, direction: 'center', className: 'assumed-label' });
      },
    }).addTo(map);
    placeLayer.remove();
    placeLayer.addTo(map);
    legend(gj);
    const blob = new Blob([JSON.stringify(gj)], { type: 'application/geo+json' });
    const dl = $('dl-geojson');
    if (dl.href.startsWith('blob:')) URL.revokeObjectURL(dl.href);
    dl.href = URL.createObjectURL(blob);
  }
  function legend(gj) {
    const items = [];
    for (const f of gj.features) {
      const s = STYLE[f.id];
      if (!f.geometry) continue;
      if (s) {
        let label = s.label;
        if (f.id === 'indeterminate' && f.properties.why) label += ': ' + f.properties.why;
        if (f.id === 'disputed') label += ' (' + f.properties.rules.join(', ') + ')';
        // an assumption is labelled wherever it shows: the assumed zones and the rules resting
        // on an assumption of their own that the area rests on
        const assumed = f.properties.assumptions || [];
        if (assumed.length) label += '; rests on assumptions of the pack: ' + assumed.join(', ');
        const sw = s.className ? 'background: repeating-linear-gradient(45deg,' + s.color + ' 0 2px,#fff 2px 6px)'
          : 'background:' + s.fillColor + ';opacity:' + Math.max(s.fillOpacity, 0.6);
        items.push('<div class="item"><span class="sw" style="' + sw + '"></span><span>' + esc(label) + '</span></div>');
      } else {
        items.push('<div class="item"><span class="sw" style="border:2px dashed ' + (f.properties.assumption ? '#333' : '#d95f02') +
          ';background:none"></span><span>' + esc(f.properties.title || f.id) + (f.properties.assumption ? ' (assumed zone: ' + esc(f.properties.assumption) + ')' : '') + '</span></div>');
      }
    }
    items.push('<div class="item"><span class="sw" style="background:#fdfcf7;border:2px solid #3c3c3c"></span><span>Ukraine within its internationally recognised borders: Crimea and the occupied areas count as Ukraine</span></div>');
    $('legend').innerHTML = '<strong>Legend</strong>' + items.join('');
  }

  // ---- state, URL, downloads ----
  function readForm() {
    for (const k of ['weapon', 'supplier', 'kind', 'role', 'state', 'purpose']) state[k] = $(k).value;
    state.date = $('date').value;
    state.compare = $('compare').checked ? $('date2').value : '';
  }
  function writeForm() {
    for (const k of ['weapon', 'supplier', 'kind', 'role', 'state', 'purpose'])
      if (state[k] !== undefined) $(k).value = state[k];
    $('date').value = state.date;
    $('slider').value = day(state.date);
    $('compare').checked = !!state.compare;
    $('date2').disabled = !state.compare;
    if (state.compare) $('date2').value = state.compare;
  }
  function hash() {
    const p = useParams();
    if (state.compare) p.set('compare', state.compare);
    if (state.lat != null) { p.set('lat', state.lat); p.set('lon', state.lon); }
    return '#' + p.toString();
  }
  function fromHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    for (const k of ['weapon', 'supplier', 'kind', 'role', 'state', 'purpose', 'date', 'compare'])
      if (p.has(k)) state[k] = p.get(k);
    if (p.has('lat') && p.has('lon')) { state.lat = +p.get('lat'); state.lon = +p.get('lon'); }
  }
  function share() {
    const h = hash();
    history.replaceState(null, '', h);
    $('permalink').href = h;
    const p = useParams();
    p.set('format', 'svg');
    $('dl-svg').href = 'v1/zones?' + p.toString();
    p.set('format', 'png');
    $('dl-png').href = 'v1/zones?' + p.toString();
  }

  // ---- loading ----
  let seq = 0;
  async function refresh() {
    readForm();
    share();
    const mine = ++seq;
    $('slider').value = day(state.date);
    try {
      if (state.compare) {
        const p = useParams(state.compare);
        p.set('from', state.date); p.set('to', state.compare); p.delete('date'); p.set('format', 'geojson');
        const gj = await api('v1/diff?' + p.toString());
        if (mine !== seq) return;
        showAreas(gj);
        showChanges(gj);
      } else {
        const p = useParams();
        p.set('format', 'geojson');
        const gj = await api('v1/zones?' + p.toString());
        if (mine !== seq) return;
        $('changes').hidden = true;
        showAreas(gj);
      }
      if (state.lat != null) await ask(state.lat, state.lon);
    } catch (e) {
      if (mine !== seq) return;
      $('answer').hidden = false;
      $('answer').textContent = 'The service could not answer: ' + e.message;
    }
  }
  function showChanges(gj) {
    const f = gj.features.find((x) => x.id === 'grew') || gj.features[0];
    const ch = (f && f.properties.rules_changed) || [];
    const rows = ch.map((c) => '<li>' + (c.change === 'starts' ? '+ ' : '− ') + esc(c.title) + ' (<code>' + esc(c.rule) + '</code>, ' +
      esc(c.change) + ' <a href="#" data-date="' + esc(c.date) + '">' + esc(c.date) + '</a>)</li>');
    $('changes').hidden = false;
    $('changes').innerHTML = '<strong>' + esc(state.date) + ' → ' + esc(state.compare) + '</strong>' +
      (rows.length ? '<ul>' + rows.join('') + '</ul>' : '<p>The same rules are in force on both dates.</p>');
  }
  async function loadTimeline() {
    const p = new URLSearchParams({ weapon: state.weapon, format: 'json' });
    if (state.supplier) p.set('party', state.supplier);
    timeline(await api('v1/timeline?' + p.toString()));
  }
  function timeline(rows) {
    const last = rows.reduce((m, r) => (r.date > m ? r.date : m), FIRST_DAY);
    const slider = $('slider');
    slider.min = day(FIRST_DAY);
    slider.max = Math.max(day(last), day(FIRST_DAY) + 1);
    changeDates = [...new Set(rows.map((r) => r.date).filter((d) => d >= FIRST_DAY))].sort();
    $('ticks').innerHTML = changeDates.map((d) => '<option value="' + day(d) + '" label="' + d + '"></option>').join('');
    $('timeline').innerHTML = rows.filter((r) => r.date >= FIRST_DAY).map((r) =>
      '<li><a href="#" data-date="' + esc(r.date) + '">' + esc(r.date) + '</a> ' + esc(r.party) + ' ' + esc(r.change) + ': ' +
      esc(r.title) + (r.disputed ? ' <span class="flag disputed">disputed</span>' : '') +
      (r.assumption || (r.assumptions || []).length ? ' <span class="flag assumption" title="' +
        esc([r.assumption, ...(r.assumptions || []).map((z) => 'assumed zone ' + z)].filter(Boolean).join('; ')) +
        '">assumption</span>' : '') + '</li>').join('');
  }

  // ---- asking at a place ----
  async function ask(lat, lon) {
    state.lat = +(+lat).toFixed(4); state.lon = +(+lon).toFixed(4);
    $('lat').value = state.lat; $('lon').value = state.lon;
    share();
    const p = useParams();
    p.set('lat', state.lat); p.set('lon', state.lon); p.set('explain', 'true');
    let d;
    try {
      d = await api('v1/decisions?' + p.toString());
    } catch (e) {
      $('answer').hidden = false;
      $('answer').textContent = 'The service could not answer: ' + e.message;
      return;
    }
    if (askMarker) askMarker.remove();
    askMarker = L.circleMarker([state.lat, state.lon], { radius: 6, color: '#000', weight: 2, fillColor: '#fff', fillOpacity: 1 }).addTo(map);
    $('answer').hidden = false;
    if (d.error) {
      $('answer').innerHTML = '<span class="verdict unknown">error</span> ' + esc(d.error.message);
      return;
    }
    const parts = ['<div><span class="verdict ' + esc(d.decision) + '">' + esc(d.decision) + '</span> at ' + state.lat + ', ' + state.lon + ' on ' + esc(d.date) + '</div>'];
    for (const party of d.parties || []) {
      for (const r of party.deciding || [{ rule: party.rule }]) {
        if (!r.rule) continue;
        const src = (party.sources || []).map((s) => sources[s] && sources[s].url && /^https?:/.test(sources[s].url)
          ? '<a href="' + esc(sources[s].url) + '" rel="noreferrer">' + esc(sources[s].outlet || s) + '</a>' : esc((sources[s] && sources[s].outlet) || s));
        parts.push('<div><strong>' + esc(party.party) + '</strong> ' + esc(party.decision) + ': <code>' + esc(r.rule) + '</code>' +
          (party.disputed ? ' <span class="flag disputed">disputed</span>' : '') + (r.says ? ' — ' + esc(r.says) : '') +
          (r.quote ? '<blockquote>“' + esc(r.quote) + '”</blockquote>' : '') + (src.length ? '<div>Sources: ' + src.join(', ') + '</div>' : '') + '</div>');
      }
    }
    if (d.disputed) parts.push('<div><span class="flag disputed">disputed</span> a deciding rule is disputed</div>');
    for (const a of d.assumptions || []) parts.push('<div><span class="flag assumption">assumption</span> ' + esc(a) + '</div>');
    if (d.valid) parts.push('<div>Valid from ' + esc(d.valid.from || 'the start') + ' until ' + esc(d.valid.until || 'further notice') + '</div>');
    if (d.why_not && d.why_not.permitted_from)
      parts.push('<div>Permitted from <a href="#" data-date="' + esc(d.why_not.permitted_from) + '">' + esc(d.why_not.permitted_from) + '</a></div>');
    parts.push('<p class="explanation">' + esc(d.explanation) + '</p>');
    $('answer').innerHTML = parts.join('');
  }

  // ---- playing through the changes ----
  function stepTo(d) {
    $('date').value = d;
    refresh();
  }
  function play() {
    if (playing) {
      clearInterval(playing); playing = null;
      $('play').textContent = '▶ Play'; $('play').setAttribute('aria-pressed', 'false');
      return;
    }
    $('play').textContent = '❚❚ Pause'; $('play').setAttribute('aria-pressed', 'true');
    playing = setInterval(() => {
      const next = changeDates.find((d) => d > $('date').value);
      if (!next) { play(); return; }
      stepTo(next);
    }, 1500);
  }

  // ---- wiring ----
  function setSupplierOptions() {
    const w = pack.catalogs.weapons.find((x) => x.id === $('weapon').value);
    const parties = pack.catalogs.parties.filter((p) => !w || (w.suppliers || []).includes(p.id || p.code));
    fill($('supplier'), parties.map((p) => ({ id: p.id || p.code, title: p.title })), 'any recorded supplier');
  }
  async function start() {
    fromHash();
    state.weapon = state.weapon || 'gmlrs';
    state.kind = state.kind || 'forces';
    state.role = state.role === undefined ? 'attacking' : state.role;
    state.state = state.state || 'ground';
    state.purpose = state.purpose || '';
    state.supplier = state.supplier || '';
    state.date = state.date || '2024-06-10';
    // every first request at once: catalogs, sources, base map, rule changes and the area
    const first = useParams();
    first.set('format', 'geojson');
    const tl = new URLSearchParams({ weapon: state.weapon, format: 'json' });
    if (state.supplier) tl.set('party', state.supplier);
    const [pk, srcs, base, rows, area] = await Promise.all([
      api('v1/pack'), api('v1/sources?format=json').catch(() => []),
      api('v1/zones?format=geojson&bbox=' + BASE_BBOX + '&zones=' + COUNTRIES.concat(REGIONS).join(',')).catch(() => null),
      api('v1/timeline?' + tl.toString()), state.compare ? null : api('v1/zones?' + first.toString())]);
    pack = pk;
    for (const s of srcs) sources[s.source] = s;
    if (base) baseLayer.addData(base);
    placeLayer.addTo(map);
    const c = pack.catalogs;
    fill($('weapon'), c.weapons);
    fill($('kind'), c.kinds);
    fill($('role'), c.roles, 'not given');
    fill($('state'), c.states);
    fill($('purpose'), c.purposes, 'not given');
    $('weapon').value = state.weapon;
    setSupplierOptions();
    $('credit').textContent = 'caveat ' + (pack.version || '') + ' · pack ' + pack.id +
      ' · sources: ' + [...new Set(Object.values(sources).map((s) => s.outlet))].slice(0, 8).join('; ') +
      ' · borders: Natural Earth 1:10m; oblasts: Digital Chart of the World (gmt-dcw) · map: Leaflet';
    map.attributionControl.addAttribution('caveat · ' + esc(pack.id) + ' · Natural Earth · Leaflet');
    timeline(rows);
    writeForm();
    if (area) {
      readForm();
      share();
      showAreas(area);
      if (state.lat != null) await ask(state.lat, state.lon);
    } else {
      await refresh();
    }
    $('use').addEventListener('change', async (e) => {
      if (e.target.id === 'weapon') { setSupplierOptions(); }
      if (e.target.id === 'weapon' || e.target.id === 'supplier') { readForm(); await loadTimeline(); }
      if (e.target.id === 'compare') $('date2').disabled = !$('compare').checked;
      if (e.target.id === 'compare' && $('compare').checked && !$('date2').value) $('date2').value = $('date').value;
      if (e.target.id !== 'lat' && e.target.id !== 'lon') refresh();
    });
    $('slider').addEventListener('input', () => { $('date').value = iso(+$('slider').value); });
    $('slider').addEventListener('change', () => stepTo(iso(+$('slider').value)));
    $('play').addEventListener('click', play);
    $('use').addEventListener('submit', (e) => { e.preventDefault(); ask($('lat').value, $('lon').value); });
    document.addEventListener('click', (e) => {
      const a = e.target.closest('a[data-date]');
      if (a) { e.preventDefault(); stepTo(a.dataset.date); }
    });
    map.on('click', (e) => ask(e.latlng.lat, e.latlng.lng));
  }
  const ready = start().catch((e) => {
    $('answer').hidden = false;
    $('answer').textContent = 'The web map could not start: ' + e.message;
    throw e;
  });
  window.caveatMap = { map, ready, state, refresh: () => refresh(), ask: (a, b) => ask(a, b), geojson: () => lastGeojson };
})();
