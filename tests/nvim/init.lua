-- The README's Neovim configuration, with the server's path from PLATC (the binary under test).
vim.filetype.add({ extension = { plat = "plat" } })
vim.api.nvim_create_autocmd("FileType", {
  pattern = "plat",
  callback = function(args)
    vim.lsp.start({
      name = "platc",
      cmd = { os.getenv("PLATC") or "platc", "lsp" },
      root_dir = vim.fs.root(args.buf, { "azure.yaml", ".git" }),
    })
  end,
})
