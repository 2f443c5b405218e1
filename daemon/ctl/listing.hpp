#pragma once
// How gpwatchctl shows ledger rows: one JSON object per line (for scripts) or an aligned table.
// The JSON field names are a public interface: add fields, never rename one.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <vector>

#include "daemon/ledger/ledger.hpp"
#include "daemon/privacy/pseudonymiser.hpp"

namespace gpwatch::ctl {

void print_writes_json(std::ostream& out, const std::vector<WriteRecord>& writes, const Pseudonymiser& p);
void print_writes_table(std::ostream& out, const std::vector<WriteRecord>& writes, const Pseudonymiser& p);
void print_alerts_json(std::ostream& out, const std::vector<AlertRecord>& alerts);
void print_alerts_table(std::ostream& out, const std::vector<AlertRecord>& alerts);
// Messages taken from the MESH mailbox, whatever they turned out to be (no patient data).
void print_mesh_json(std::ostream& out, const std::vector<MeshMessageRow>& rows);
void print_mesh_table(std::ostream& out, const std::vector<MeshMessageRow>& rows);

}  // namespace gpwatch::ctl
