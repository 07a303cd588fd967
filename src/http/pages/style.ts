/** The stylesheet shared by the playground (`/`) and the docs page (`/docs`): inline, no fonts or CDNs. */
export const STYLE = `
:root{--fg:#1d2330;--muted:#5b6475;--bg:#f7f8fa;--card:#fff;--line:#dde1e8;--accent:#2454c5;--accent-fg:#fff;--ok:#17733a;--warn:#a4460b;--bad:#b3261e;--code:#f1f3f6;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ef;--muted:#a3acbd;--bg:#14171d;--card:#1c2028;--line:#333a46;--accent:#7ea2ff;--accent-fg:#0d1220;--ok:#5fd38d;--warn:#f0a35e;--bad:#ff8a80;--code:#232833}}
*{box-sizing:border-box}body{margin:0}
header.top{display:flex;flex-wrap:wrap;align-items:baseline;gap:.5rem 1.5rem;padding:1rem 1.5rem;border-bottom:1px solid var(--line);background:var(--card)}
header.top h1{font-size:1.25rem;margin:0}header.top p{margin:0;color:var(--muted)}header.top nav{margin-left:auto;display:flex;gap:1rem}
a{color:var(--accent)}main{max-width:72rem;margin:0 auto;padding:1.5rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:.6rem;padding:1.25rem;margin-bottom:1.25rem}
.card h2{font-size:1.05rem;margin:0 0 .75rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:.9rem 1rem}
label{display:block;font-weight:600;font-size:.9rem;margin-bottom:.25rem}
.hint{font-weight:400;color:var(--muted);font-size:.85rem}
input,select,textarea{width:100%;font:inherit;color:inherit;background:var(--bg);border:1px solid var(--line);border-radius:.4rem;padding:.45rem .6rem}
textarea{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem;min-height:14rem}
input:focus-visible,select:focus-visible,textarea:focus-visible,button:focus-visible,a:focus-visible,summary:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
fieldset{border:0;padding:0;margin:1rem 0 0}legend{font-weight:600;margin-bottom:.5rem}
button{font:inherit;font-weight:600;border:0;border-radius:.4rem;padding:.55rem 1.4rem;background:var(--accent);color:var(--accent-fg);cursor:pointer}
button[disabled]{opacity:.6;cursor:progress}button.quiet{background:transparent;color:var(--accent);border:1px solid var(--line);padding:.2rem .6rem;font-size:.8rem}
.actions{display:flex;align-items:center;gap:1rem;margin-top:1rem}
.big{font-size:2.2rem;font-weight:700;line-height:1.1}.tag{display:inline-block;border-radius:1rem;padding:.05rem .65rem;font-size:.85rem;font-weight:600;border:1px solid currentColor}
.late{color:var(--warn)}.ontime{color:var(--ok)}.error{color:var(--bad);border-color:var(--bad)}
.status-present{color:var(--ok)}.status-stale,.status-future,.status-missing{color:var(--warn)}.status-error{color:var(--bad)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.75rem 0 0}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line)}th{color:var(--muted);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
pre,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
pre{background:var(--code);border-radius:.4rem;padding:.75rem;overflow:auto;margin:.5rem 0}
:not(pre)>code{background:var(--code);border-radius:.25rem;padding:.05rem .3rem}
.method{display:inline-block;min-width:3.6rem;text-align:center;border-radius:.3rem;padding:.05rem .4rem;font-size:.8rem;font-weight:700;color:#fff;background:#3a7a3a}
.method.post{background:#2454c5}
.op{border-top:1px solid var(--line);padding:1rem 0}.op h3{font-size:1rem;margin:0 0 .25rem;display:flex;gap:.6rem;align-items:center;flex-wrap:wrap}
.muted{color:var(--muted)}h2.spaced{margin-top:1.5rem}[hidden]{display:none!important}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
