// The grammar as VS Code runs it: vscode-textmate over the Oniguruma engine, on every example and
// fixture of the repository, and on the constructs whose scope matters.
const test = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const repo = path.join(__dirname, "..", "..", "..");

async function grammar() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => {
      const file = path.join(__dirname, "..", "syntaxes", "plat.tmLanguage.json");
      return vsctm.parseRawGrammar(fs.readFileSync(file, "utf8"), file);
    },
  });
  return registry.loadGrammar("source.plat");
}

/// (innermost scope, text) of each token of each line.
function tokenize(g, text) {
  let state = vsctm.INITIAL;
  const out = [];
  for (const line of text.split("\n")) {
    const r = g.tokenizeLine(line, state);
    for (const t of r.tokens) {
      out.push([t.scopes[t.scopes.length - 1], line.slice(t.startIndex, t.endIndex)]);
    }
    state = r.ruleStack;
  }
  return out;
}

function scopeOf(tokens, text) {
  const t = tokens.find(([, s]) => s === text);
  assert.ok(t, `no token ${JSON.stringify(text)} in ${JSON.stringify(tokens)}`);
  return t[0];
}

test("the examples and fixtures tokenize with nothing left unscoped", async () => {
  const g = await grammar();
  let files = 0;
  for (const dir of ["examples", "examples/two-files", "tests/fixtures"]) {
    for (const name of fs.readdirSync(path.join(repo, dir))) {
      if (!name.endsWith(".plat")) continue;
      const text = fs.readFileSync(path.join(repo, dir, name), "utf8");
      for (const [scope, s] of tokenize(g, text)) {
        assert.ok(scope !== "source.plat" || s.trim() === "", `${dir}/${name}: ${JSON.stringify(s)} has no scope`);
      }
      files += 1;
    }
  }
  assert.ok(files > 30);
});

test("fields, kinds, addresses and ranges get their scopes", async () => {
  const g = await grammar();
  const field = tokenize(g, "registry = registry.images");
  assert.strictEqual(scopeOf(field, "registry"), "variable.other.property.plat");
  assert.strictEqual(scopeOf(field, "registry.images"), "variable.other.reference.plat");
  const decl = tokenize(g, 'registry "images" { sku = premium }');
  assert.strictEqual(decl[0][0], "keyword.declaration.plat");
  for (const [text, scope] of [
    ["10.0.0.300/33", "invalid.illegal.cidr.plat"],
    ["10.0.0.0/33", "invalid.illegal.cidr.plat"],
    ["10.0.0.0/16", "constant.numeric.cidr.plat"],
    ["10.0.0.300", "invalid.illegal.ip.plat"],
    ["10.0.0.10", "constant.numeric.ip.plat"],
    ["2..10", "constant.numeric.range.plat"],
    ["30d", "constant.numeric.duration.plat"],
  ]) {
    assert.strictEqual(scopeOf(tokenize(g, `  value = ${text}`), text), scope, text);
  }
  const call = tokenize(g, '  source = git("https://x", branch = "main") // note');
  assert.strictEqual(scopeOf(call, "git"), "support.function.plat");
  assert.strictEqual(scopeOf(call, "// note"), "comment.line.double-slash.plat");
});

test("the manifest points at files that exist", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
  const here = (p) => path.join(__dirname, "..", p);
  assert.ok(fs.existsSync(here(manifest.main)));
  for (const l of manifest.contributes.languages) assert.ok(fs.existsSync(here(l.configuration)));
  for (const g of manifest.contributes.grammars) assert.ok(fs.existsSync(here(g.path)));
  assert.strictEqual(manifest.contributes.configuration.properties["platc.path"].default, "platc");
  JSON.parse(fs.readFileSync(here("language-configuration.json"), "utf8"));
});
