#pragma once
// Secrets (passwords, OAuth tokens, bearer tokens, signing keys) kept in files, read at each use so
// a token refreshed on disk by another process is picked up without a restart.

#include <optional>
#include <string>

namespace gpwatch::curl {

// Where a secret reference points: a path as given, or, for "credential:NAME", the systemd
// credential $CREDENTIALS_DIRECTORY/NAME (LoadCredential= in the unit). Empty if
// CREDENTIALS_DIRECTORY is unset for a credential reference.
std::string resolve_secret_path(const std::string& reference);

// The file's content without trailing white space (a final newline is not part of a token).
// nullopt with `error` naming the file (never the content) when it cannot be read, is empty,
// or is larger than 64 KiB.
std::optional<std::string> read_secret_file(const std::string& reference, std::string& error);

}  // namespace gpwatch::curl
