/**
 * The stream browser's page (`GET /web/index.html`): a shell that loads the one script and the
 * one stylesheet; everything else is drawn by the script from the HTTP API.
 *
 * @module
 */

/** The HTML of `/web/index.html`. */
export const INDEX_HTML: string = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Stream browser · photonpump memstore</title>
<link rel="stylesheet" href="/web/app.css">
<link rel="icon" href="data:,">
</head>
<body>
<header class="bar">
  <a class="brand" href="#/streams"><span class="logo">◆</span> photonpump <span class="muted">memstore</span></a>
  <nav><a href="#/streams">Streams</a></nav>
  <div id="session" class="session"></div>
</header>
<main id="app" class="page"><p class="muted">Loading…</p></main>
<script src="/web/app.js"></script>
</body>
</html>
`;
