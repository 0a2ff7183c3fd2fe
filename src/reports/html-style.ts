/** The inline stylesheet of report.html: system fonts only, readable printed in grey. */
export const HTML_STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .2rem; }
header p { margin: .2rem 0; }
.env, .note, figcaption, footer { color: #555; font-size: 12.5px; }
.outcome { font-size: .8rem; padding: .1rem .5rem; border-radius: .6rem; vertical-align: middle; background: #e6f4ea; color: #1e6b35; }
.outcome.aborted, .outcome.errored { background: #fdecea; color: #a12a1f; }
aside { border-left: 4px solid #999; background: #f6f6f6; padding: .5rem 1rem; margin: 1rem 0; }
aside.missing { border-color: #c0392b; background: #fdf1ef; }
aside.missing h2 { margin-top: 0; border: 0; font-size: 1rem; }
aside.note { border-color: #e69f00; background: #fff8e6; }
#verdict li { margin: .35rem 0; }
figure.chart { margin: 1rem 0; }
figure.chart svg { max-width: 100%; height: auto; display: block; margin-top: .4rem; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: 12.5px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: .2rem .55rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv th { background: none; width: 13rem; }
pre { background: #f6f6f6; padding: .8rem; overflow-x: auto; font-size: 12px; }
.empty { color: #a12a1f; }
footer { margin-top: 2.5rem; border-top: 1px solid #ddd; padding-top: .5rem; }
@media print { body { margin: 0; max-width: none; } figure.chart, table { break-inside: avoid; } }
`;
