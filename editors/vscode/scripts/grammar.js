// The extension ships the one grammar in editors/, copied beside it: a package holds only the
// files under its own folder.
const fs = require("fs");
const path = require("path");

const from = path.join(__dirname, "..", "..", "plat.tmLanguage.json");
const to = path.join(__dirname, "..", "syntaxes", "plat.tmLanguage.json");
fs.mkdirSync(path.dirname(to), { recursive: true });
fs.copyFileSync(from, to);
