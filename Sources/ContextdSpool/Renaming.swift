import Glibc

/// The outcome of a rename that must not replace anything.
enum RenameOutcome {
    case moved
    /// The source is gone (`ENOENT`): someone else took it first.
    case sourceMissing
    /// The destination exists (`EEXIST`); nothing was changed.
    case destinationTaken
}

/// Renames `source` to `destination` unless `destination` exists, atomically where the kernel
/// and file system allow.
///
/// Plain `rename(2)` replaces a destination silently, which would lose a file in `done/` or
/// `rejected/` (or one being processed in `cur/`) to a later file of the same name. Linux has
/// `renameat2(RENAME_NOREPLACE)` for this; the Glibc module does not export it (it needs
/// `_GNU_SOURCE`), so it is looked up once at run time. Where it is missing or the file system
/// refuses the flag, an `lstat` check before a plain rename does the same job, as contextd is the
/// only writer of `cur/`, `done/` and `rejected/`.
func renameWithoutReplacing(_ source: String, to destination: String) throws(SpoolError) -> RenameOutcome {
    try renameWithoutReplacing(Array(source.utf8), to: destination, describedAs: source)
}

/// The same for a source path given as raw bytes (a name that is not valid UTF-8);
/// `description` names it in errors.
func renameWithoutReplacing(
    _ source: [UInt8],
    to destination: String,
    describedAs description: String
) throws(SpoolError) -> RenameOutcome {
    let result: Result<RenameOutcome, SpoolError> = (source + [0]).withUnsafeBufferPointer { bytes in
        bytes.withMemoryRebound(to: CChar.self) { source in
            renameWithoutReplacing(source.baseAddress!, to: destination, describedAs: description)
        }
    }
    return try result.get()
}

private func renameWithoutReplacing(
    _ source: UnsafePointer<CChar>,
    to destination: String,
    describedAs description: String
) -> Result<RenameOutcome, SpoolError> {
    if let renameat2 = noReplaceRename {
        if renameat2(AT_FDCWD, source, AT_FDCWD, destination, renameNoReplace) == 0 { return .success(.moved) }
        switch errno {
        case ENOENT: return .success(.sourceMissing)
        case EEXIST: return .success(.destinationTaken)
        case EINVAL, ENOSYS: break  // this file system does not do RENAME_NOREPLACE
        default: return .failure(.system("rename to '\(destination)'", path: description))
        }
    }
    var status = stat()
    if entryExists(destination) { return .success(lstat(source, &status) == 0 ? .destinationTaken : .sourceMissing) }
    if rename(source, destination) == 0 { return .success(.moved) }
    if errno == ENOENT { return .success(.sourceMissing) }
    return .failure(.system("rename to '\(destination)'", path: description))
}

private typealias RenameAt2 = @convention(c) (
    Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32
) -> Int32

/// `RENAME_NOREPLACE` from `<linux/fs.h>`.
private let renameNoReplace: UInt32 = 1

/// glibc's `renameat2`, when this glibc has it (2.28 and later).
private let noReplaceRename: RenameAt2? = {
    // RTLD_DEFAULT is a null handle in glibc.
    guard let symbol = dlsym(nil, "renameat2") else { return nil }
    return unsafeBitCast(symbol, to: RenameAt2.self)
}()
