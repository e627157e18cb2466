-- Neovim as a user runs it against `platc lsp`, in a project of two files (the root imports
-- two-files/services.plat, whose registry's sku is misspelt). Each check fails the run with
-- :cquit and a message on stderr.

local failures = 0
local function check(ok, what)
  if not ok then
    failures = failures + 1
    io.stderr:write("FAILED: " .. what .. "\n")
  end
end

-- The checks run in a coroutine that yields to the editor's loop while it waits, so that typed
-- keys, timers and the server's answers are handled as they are for a user.
local co
local function sleep(ms)
  vim.defer_fn(function()
    assert(coroutine.resume(co))
  end, ms)
  coroutine.yield()
end

local function wait(what, ms, cond)
  local waited = 0
  while not cond() do
    if waited >= (ms or 15000) then
      check(false, "timed out waiting for " .. what)
      return false
    end
    sleep(20)
    waited = waited + 20
    if os.getenv("PLATC_NVIM_DEBUG") and waited % 1000 == 0 then
      io.stderr:write(what .. ": " .. vim.inspect({ vim.api.nvim_get_mode(), vim.fn.pumvisible(), vim.api.nvim_get_current_line() }) .. "\n")
    end
  end
  return true
end

local function codes(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(out, tostring(d.code))
  end
  table.sort(out)
  return table.concat(out, ",")
end

local function client_of(buf)
  wait("the server to attach", 15000, function()
    return #vim.lsp.get_clients({ bufnr = buf, name = "platc" }) > 0
  end)
  return vim.lsp.get_clients({ bufnr = buf, name = "platc" })[1]
end

local function find(buf, needle)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local col = line:find(needle, 1, true)
    if col then
      return i, col - 1
    end
  end
  error("no " .. needle)
end

local function request(buf, method, params)
  local responses = vim.lsp.buf_request_sync(buf, method, params, 10000) or {}
  for _, r in pairs(responses) do
    check(r.err == nil, method .. " failed: " .. vim.inspect(r.err))
    return r.result
  end
end

local function at(buf, needle, delta)
  local line, col = find(buf, needle)
  return {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = line - 1, character = col + (delta or 0) },
  }
end

local function main()
  -- 1. The imported file opened alone: only its own mistake, no false errors about the program.
  vim.cmd.edit("two-files/services.plat")
  local services = vim.api.nvim_get_current_buf()
  local client = client_of(services)
  wait("diagnostics of the imported file", 15000, function()
    return #vim.diagnostic.get(services) > 0
  end)
  check(codes(services) == "E0106", "services.plat diagnostics: " .. codes(services))

  -- 2. Diagnostics across files: an unsaved edit of the imported buffer removes the registry the
  -- root refers to, and the root (not even opened) shows the unresolved reference.
  local root_buf = vim.fn.bufadd(vim.fn.fnamemodify("two-files.plat", ":p"))
  local line = find(services, 'registry "images"')
  vim.api.nvim_buf_set_lines(services, line - 1, line, false, {})
  wait("the root's diagnostics", 15000, function()
    return codes(root_buf) == "E0107"
  end)
  check(codes(root_buf) == "E0107", "two-files.plat diagnostics: " .. codes(root_buf))
  wait("the fixed imported file", 15000, function()
    return codes(services) == ""
  end)
  vim.cmd("silent! undo")
  wait("the registry back", 15000, function()
    return codes(root_buf) == "" and codes(services) == "E0106"
  end)

  -- 3. Definition across files: cluster.apps in services.plat is declared in the root.
  local def = request(services, "textDocument/definition", at(services, "cluster.apps", 9))
  check(def and def.uri == vim.uri_from_fname(vim.fn.fnamemodify("two-files.plat", ":p")), "definition: " .. vim.inspect(def))

  -- 4. Completion accepted as Neovim accepts it: after `logs.`, the reference replaces what was typed.
  vim.cmd.edit("two-files.plat")
  local root = vim.api.nvim_get_current_buf()
  client_of(root)
  local mline = find(root, "monitoring { logs = logs.ops }")
  vim.api.nvim_buf_set_lines(root, mline - 1, mline, false, { "  monitoring { logs = logs. }" })
  -- On the dot: `a` types after it.
  vim.api.nvim_win_set_cursor(0, { mline, #"  monitoring { logs = logs." - 1 })
  vim.lsp.completion.enable(true, client.id, root)
  -- The menu even for one item, nothing inserted until it is accepted with <C-y>.
  vim.opt.completeopt = "menuone,noinsert"
  local keys = vim.api.nvim_replace_termcodes("a<C-x><C-o>", true, false, true)
  vim.api.nvim_feedkeys(keys, "t", false)
  wait("completion items", 15000, function()
    return vim.fn.pumvisible() == 1 and #vim.fn.complete_info({ "items" }).items > 0
  end)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<C-y><Esc>", true, false, true), "t", false)
  wait("normal mode", 5000, function()
    return vim.api.nvim_get_mode().mode == "n"
  end)
  local accepted = vim.api.nvim_buf_get_lines(root, mline - 1, mline, false)[1]
  check(accepted == "  monitoring { logs = logs.ops }", "accepted completion: " .. accepted)

  -- 5. Rename across files, applied as Neovim applies it, leaves the program as it checked.
  local before = codes(services)
  local pos = at(root, "registry.images", 10)
  local edit = request(root, "textDocument/rename", vim.tbl_extend("force", pos, { newName = "pictures" }))
  check(edit and edit.changes and vim.tbl_count(edit.changes) == 2, "rename edits two files: " .. vim.inspect(edit))
  vim.lsp.util.apply_workspace_edit(edit, "utf-16")
  check(find(root, "registry = registry.pictures") ~= nil, "the root refers to pictures")
  check(find(services, 'registry "pictures"') ~= nil, "services.plat declares pictures")
  wait("diagnostics after the rename", 15000, function()
    return codes(services) == before and codes(root) == ""
  end)

  -- 6. The other requests answer.
  local hints = request(root, "textDocument/inlayHint", {
    textDocument = { uri = vim.uri_from_bufnr(root) },
    range = { start = { line = 0, character = 0 }, ["end"] = { line = 200, character = 0 } },
  })
  local labels = {}
  for _, h in ipairs(hints or {}) do
    table.insert(labels, type(h.label) == "string" and h.label or "")
  end
  check(vim.tbl_contains(labels, "prod: 180"), "inlay hints: " .. vim.inspect(labels))
  local tokens = request(root, "textDocument/semanticTokens/full", { textDocument = { uri = vim.uri_from_bufnr(root) } })
  check(tokens and #tokens.data > 100, "semantic tokens")
  local folds = request(root, "textDocument/foldingRange", { textDocument = { uri = vim.uri_from_bufnr(root) } })
  check(folds and #folds >= 5, "folding ranges")
  local links = request(root, "textDocument/documentLink", { textDocument = { uri = vim.uri_from_bufnr(root) } })
  check(links and links[1] and links[1].target == vim.uri_from_bufnr(services), "document links: " .. vim.inspect(links))
  local symbols = request(root, "workspace/symbol", { query = "kv" })
  check(symbols and #symbols == 1 and symbols[1].name == "vault kv", "workspace symbols: " .. vim.inspect(symbols))
  local help = request(root, "textDocument/signatureHelp", at(root, 'branch = "main"', 0))
  check(help and help.activeParameter == 1, "signature help: " .. vim.inspect(help))
  local hl = request(root, "textDocument/documentHighlight", at(root, "logs.ops", 6))
  check(hl and #hl == 2, "highlights: " .. vim.inspect(hl))
end

local function finish()
  if failures > 0 then
    vim.cmd("cquit 1")
  else
    io.stdout:write("nvim: every check passed\n")
    vim.cmd("qall!")
  end
end

-- However the checks end, the editor does not outlive them.
vim.defer_fn(function()
  check(false, "the checks took over two minutes")
  finish()
end, 120000)
co = coroutine.create(function()
  local ok, err = pcall(main)
  check(ok, "error: " .. tostring(err))
  finish()
end)
assert(coroutine.resume(co))
