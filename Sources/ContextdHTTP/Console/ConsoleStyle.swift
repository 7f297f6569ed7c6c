/// `/assets/console.css`: the console's only stylesheet, light or dark as the system prefers,
/// with a focus ring that always shows where the keyboard is.
enum ConsoleStyle {
    static let source: StaticString = #"""
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --card: #f6f8fa;
  --accent: #0550ae; --problem: #a40e26; --notice: #1a7f37; --focus: #bf8700;
  --events: #0969da; --tasks: #bc4c00;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #30363d; --card: #161b22;
    --accent: #4493f8; --problem: #ff7b72; --notice: #3fb950; --focus: #e3b341;
    --events: #4493f8; --tasks: #f0883e;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: var(--bg); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: 1rem; }
.bar { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; padding: .5rem 1.5rem;
  border-bottom: 1px solid var(--line); background: var(--card); }
.brand { font-weight: 700; text-decoration: none; color: var(--fg); }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 1rem; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; text-decoration: none; color: var(--fg); }
.who { margin-left: auto; display: flex; gap: .75rem; align-items: center; color: var(--muted); }
main { padding: 1rem 1.5rem 3rem; max-width: 80rem; }
main:focus { outline: none; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
h3 { font-size: 1rem; margin: .75rem 0 .25rem; }
.overview { display: grid; grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr)); gap: 1rem; }
.overview[data-stale] { opacity: .6; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; }
.card.wide { grid-column: 1 / -1; }
dl { margin: 0; }
.figure { display: flex; justify-content: space-between; gap: 1rem; border-bottom: 1px dotted var(--line); }
dt { color: var(--muted); }
dd { margin: 0; font-variant-numeric: tabular-nums; text-align: right; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
th.number { text-align: right; }
table.compact { width: auto; min-width: 24rem; }
.problems li, .problem { color: var(--problem); }
.notice { color: var(--notice); }
.empty, .hint { color: var(--muted); }
button { font: inherit; padding: .25rem .75rem; border: 1px solid var(--line); border-radius: 6px;
  background: var(--bg); color: var(--fg); cursor: pointer; }
button:hover { border-color: var(--accent); }
form.inline { display: inline; }
.sign-in { display: flex; flex-direction: column; gap: .5rem; max-width: 24rem; }
.sign-in input { font: inherit; padding: .4rem; border: 1px solid var(--line); border-radius: 6px;
  background: var(--bg); color: var(--fg); }
article.rejected { border-top: 1px solid var(--line); padding: .25rem 0; }
pre.raw { background: var(--card); border: 1px solid var(--line); padding: .5rem; overflow-x: auto; white-space: pre; }
svg#chart { width: 100%; height: 8rem; background: var(--bg); border: 1px solid var(--line); }
polyline { fill: none; stroke-width: 2; vector-effect: non-scaling-stroke; }
polyline.events { stroke: var(--events); }
polyline.tasks { stroke: var(--tasks); }
.key.events { color: var(--events); }
.key.tasks { color: var(--tasks); }
.pages { display: flex; gap: 1rem; align-items: center; }
.scroll { overflow-x: auto; }
table.tasks td, table.context td { overflow-wrap: anywhere; }
td.time { white-space: nowrap; }
form.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin-bottom: 1rem; }
form.filters input, form.filters select { font: inherit; padding: .25rem; border: 1px solid var(--line);
  border-radius: 6px; background: var(--bg); color: var(--fg); }
dl.record, dl.counters { max-width: 60rem; margin-bottom: 1rem; }
ul.plain { list-style: none; margin: 0; padding: 0; }
.lead { font-size: 1.1rem; }
article.rule { border-top: 1px solid var(--line); padding: .5rem 0; }
.listing { background: var(--card); border: 1px solid var(--line); padding: .5rem 0; overflow-x: auto;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.listing .line { display: flex; white-space: pre; }
.listing .line:target { outline: 2px solid var(--focus); }
.listing .n { display: inline-block; min-width: 3.5rem; padding-right: .75rem; text-align: right; color: var(--muted);
  user-select: none; }
.listing .line.error { background: color-mix(in srgb, var(--problem) 15%, transparent); }
.listing .line.error .n { color: var(--problem); font-weight: 700; }
.listing .message { color: var(--problem); padding-left: 4.25rem; white-space: pre-wrap; }
"""#
}
