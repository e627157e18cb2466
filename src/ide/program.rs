//! Which program a file belongs to. A file on its own is rarely a program: `import` makes one root
//! file and the files it reaches. An editor opens any of them, so the server looks for the root
//! that imports the file: among the `.plat` files beside it and in every directory above it, and
//! under the workspace folders the editor names.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The most files a search reads: a workspace that is a whole disk must not stall the editor.
const MAX_CANDIDATES: usize = 4000;
/// How deep the search goes under a workspace folder.
const MAX_DEPTH: usize = 12;
/// The most directory entries a search looks at: a workspace folder that is the whole disk holds
/// few `.plat` files among millions of others.
const MAX_ENTRIES: usize = 100_000;

/// The `.plat` files the root of `file` may be among: those in its directory and each directory
/// above it, then those under each workspace folder (skipping hidden directories and build
/// output), at most `MAX_CANDIDATES`, looking at no more than `MAX_ENTRIES` directory entries.
pub fn candidates(file: &Path, folders: &[PathBuf]) -> Vec<PathBuf> {
    let mut search = Search {
        found: Vec::new(),
        entries: 0,
    };
    for dir in file.ancestors().skip(1) {
        search.plat_files(dir, 0, 0);
    }
    for folder in folders {
        search.plat_files(folder, 0, MAX_DEPTH);
    }
    let mut seen = HashSet::new();
    search.found.retain(|p| seen.insert(p.clone()));
    search.found
}

/// A search of the disk within its bounds.
struct Search {
    found: Vec<PathBuf>,
    /// Directory entries looked at so far.
    entries: usize,
}

impl Search {
    fn plat_files(&mut self, dir: &Path, depth: usize, max_depth: usize) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = entries
            .flatten()
            .take(MAX_ENTRIES.saturating_sub(self.entries))
            .map(|e| e.path())
            .collect();
        self.entries += entries.len();
        entries.sort();
        for p in entries {
            if self.found.len() >= MAX_CANDIDATES || self.entries >= MAX_ENTRIES {
                return;
            }
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if p.extension().is_some_and(|x| x == "plat") && p.is_file() {
                self.found.push(p);
            } else if depth < max_depth
                && p.is_dir()
                && !name.starts_with('.')
                && !matches!(name.as_str(), "target" | "node_modules" | "infra")
            {
                self.plat_files(&p, depth + 1, max_depth);
            }
        }
    }
}

/// The files `file` imports, by their normalised paths.
pub fn imports_of(file: &Path, text: &str) -> Vec<PathBuf> {
    let dir = file.parent().unwrap_or(Path::new(""));
    crate::load::imports(&crate::syntax::import_statements(0, text))
        .into_iter()
        .map(|(target, _)| crate::load::normalise(&dir.join(target)))
        .collect()
}

/// The root of the program `file` belongs to: a file that imports it, directly or through others,
/// and that no candidate imports. Of several, the first by path; with none (nothing imports the
/// file, or only a cycle does), the file itself.
pub fn root_of(
    file: &Path,
    candidates: &[PathBuf],
    read: &mut dyn FnMut(&Path) -> Option<String>,
) -> PathBuf {
    let file = crate::load::normalise(file);
    let mut importers: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
    for c in candidates {
        let c = crate::load::normalise(c);
        let Some(text) = read(&c) else { continue };
        for target in imports_of(&c, &text) {
            importers.entry(target).or_default().push(c.clone());
        }
    }
    let mut seen = HashSet::from([file.clone()]);
    let mut queue = vec![file.clone()];
    let mut roots = Vec::new();
    while let Some(p) = queue.pop() {
        match importers.get(&p) {
            None => roots.push(p),
            Some(parents) => {
                for parent in parents {
                    if seen.insert(parent.clone()) {
                        queue.push(parent.clone());
                    }
                }
            }
        }
    }
    roots.sort();
    roots.into_iter().next().unwrap_or(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(files: &[(&str, &str)], of: &str) -> PathBuf {
        let candidates: Vec<PathBuf> = files.iter().map(|(p, _)| PathBuf::from(p)).collect();
        let mut read = |p: &Path| {
            files
                .iter()
                .find(|(q, _)| Path::new(q) == p)
                .map(|(_, t)| t.to_string())
        };
        root_of(Path::new(of), &candidates, &mut read)
    }

    #[test]
    fn the_root_is_the_file_that_imports_through_others() {
        let files = [
            (
                "/p/main.plat",
                "import \"lib/a.plat\"\nplatform \"p\" { }\n",
            ),
            ("/p/lib/a.plat", "import \"../shared/b.plat\"\n"),
            ("/p/shared/b.plat", "logs \"ops\" { }\n"),
            ("/p/other.plat", "vault \"kv\" { }\n"),
        ];
        assert_eq!(root(&files, "/p/shared/b.plat"), Path::new("/p/main.plat"));
        assert_eq!(root(&files, "/p/lib/a.plat"), Path::new("/p/main.plat"));
        assert_eq!(root(&files, "/p/main.plat"), Path::new("/p/main.plat"));
        assert_eq!(root(&files, "/p/other.plat"), Path::new("/p/other.plat"));
    }

    #[test]
    fn a_cycle_with_no_root_leaves_the_file_its_own() {
        let files = [
            ("/p/a.plat", "import \"b.plat\"\n"),
            ("/p/b.plat", "import \"a.plat\"\n"),
        ];
        assert_eq!(root(&files, "/p/a.plat"), Path::new("/p/a.plat"));
    }

    #[test]
    fn candidates_are_found_above_and_under_the_workspace() {
        let dir = std::env::temp_dir().join(format!("platc-program-{}", std::process::id()));
        let deep = dir.join("services/inner");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        for f in [
            "main.plat",
            "services/inner/x.plat",
            ".git/y.plat",
            "services/notes.txt",
        ] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        let found = candidates(&deep.join("x.plat"), std::slice::from_ref(&dir));
        assert!(found.contains(&dir.join("main.plat")), "{found:?}");
        assert!(found.contains(&deep.join("x.plat")), "{found:?}");
        assert!(
            !found
                .iter()
                .any(|p| p.ends_with("y.plat") || p.ends_with("notes.txt"))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
