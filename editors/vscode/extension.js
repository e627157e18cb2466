// Starts `platc lsp` for .plat files and restarts it when the platc.path setting changes.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function start() {
  const command = vscode.workspace.getConfiguration("platc").get("path") || "platc";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "platc",
    "platc",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "plat" }],
      // The server reads imported files from disk: it hears when they change there.
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.plat") },
    },
  );
  return client.start();
}

function activate(context) {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("platc.path")) {
        await deactivate();
        await start();
      }
    }),
  );
  return start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
