/**
 * The stream browser's stylesheet (`GET /web/app.css`).
 *
 * @module
 */

/** The CSS of `/web/app.css`. */
export const APP_CSS: string = `
:root {
  --bg: #f5f6f8; --card: #ffffff; --ink: #1d2430; --muted: #6b7280; --line: #e3e6eb;
  --accent: #0f766e; --accent-soft: #e6f4f2; --bar: #17202c; --warn: #b45309; --bad: #b91c1c;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.muted { color: var(--muted); }
.bar { display: flex; align-items: center; gap: 24px; padding: 0 24px; height: 52px;
  background: var(--bar); color: #e5e7eb; }
.bar a { color: #e5e7eb; }
.brand { font-weight: 600; font-size: 15px; letter-spacing: .2px; }
.brand .muted { color: #9ca3af; font-weight: 400; }
.logo { color: #2dd4bf; }
.bar nav a { opacity: .85; }
.session { margin-left: auto; display: flex; gap: 12px; align-items: center; color: #9ca3af; }
.session button { background: transparent; color: #e5e7eb; border: 1px solid #374151; }
.page { max-width: 1100px; margin: 28px auto; padding: 0 24px; }
h1 { font-size: 22px; margin: 0; font-weight: 600; word-break: break-all; }
h2 { font-size: 15px; margin: 0 0 12px; font-weight: 600; }
.head { display: flex; align-items: baseline; gap: 14px; flex-wrap: wrap; margin-bottom: 18px; }
.head .crumbs { color: var(--muted); }
.pill { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px;
  background: var(--accent-soft); color: var(--accent); }
.pill.live::before { content: "● "; }
.pill.off { background: #eef0f3; color: var(--muted); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 18px 20px; margin-bottom: 18px; box-shadow: 0 1px 2px rgba(16,24,40,.04); }
.row { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
input { font: inherit; padding: 7px 10px; border: 1px solid var(--line); border-radius: 7px;
  background: #fff; min-width: 220px; }
input:focus { outline: 2px solid var(--accent-soft); border-color: var(--accent); }
button { font: inherit; padding: 7px 14px; border-radius: 7px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; }
button.ghost { background: #fff; color: var(--accent); }
button:disabled { opacity: .45; cursor: default; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-weight: 500; color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: .4px; padding: 8px 10px; border-bottom: 1px solid var(--line); }
td { padding: 9px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
tr:last-child td { border-bottom: 0; }
td.num { font-family: var(--mono); color: var(--muted); width: 70px; }
td.time { color: var(--muted); white-space: nowrap; width: 170px; }
.type { font-weight: 600; }
.system { color: var(--muted); }
.preview { font-family: var(--mono); font-size: 12.5px; color: #374151; margin-top: 2px;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 640px; }
details > summary { cursor: pointer; color: var(--accent); font-size: 12.5px; margin-top: 6px; list-style: none; }
details > summary::-webkit-details-marker { display: none; }
details > summary::before { content: "▸ "; }
details[open] > summary::before { content: "▾ "; }
pre { font-family: var(--mono); font-size: 12.5px; background: #f8fafc; border: 1px solid var(--line);
  border-radius: 7px; padding: 10px 12px; margin: 8px 0 0; overflow: auto; max-height: 420px; }
.label { font-size: 11px; text-transform: uppercase; letter-spacing: .4px; color: var(--muted); margin-top: 10px; }
.j-key { color: #1d4ed8; } .j-str { color: #047857; } .j-num { color: #b45309; } .j-lit { color: #7c3aed; }
.pager { display: flex; gap: 10px; justify-content: flex-end; margin-top: 14px; }
.notice { padding: 12px 14px; border-radius: 8px; background: #fff7ed; color: var(--warn);
  border: 1px solid #fed7aa; margin-bottom: 16px; }
.notice.bad { background: #fef2f2; color: var(--bad); border-color: #fecaca; }
.empty { color: var(--muted); padding: 18px 4px; }
.new { animation: flash 1.6s ease-out; }
@keyframes flash { from { background: var(--accent-soft); } to { background: transparent; } }
.linkto { font-size: 12.5px; margin-top: 4px; }
`;
