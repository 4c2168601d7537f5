#pragma once
// A table as CSV, shared by `scanhpc export` and `scanhpc info --table`
// so that both print the same text (values: scanhpc/io/csv_values.hpp).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "scanhpc/h5/h5.hpp"
#include "scanhpc/io/csv_values.hpp"

namespace scanhpc::commands {

// Writes the header (column names) and rows [0, max_rows) of `table`, one
// line each ending in LF, handing the text to `sink` in blocks. Returns the
// rows written.
uint64_t write_table_csv(const h5::TableReader& table, csv::Readable readable, uint64_t max_rows,
                         const std::function<void(std::string_view)>& sink);

// "FILE: WHY; its tables: /a, /b" for a GROUP that is not a table.
std::string not_a_table_message(const h5::File& file, const std::string& path, const h5::NotATable& why);

}  // namespace scanhpc::commands
