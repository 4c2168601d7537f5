#include "scanhpc/commands/table_csv.hpp"

#include <algorithm>
#include <vector>

namespace scanhpc::commands {

uint64_t write_table_csv(const h5::TableReader& table, csv::Readable readable, uint64_t max_rows,
                         const std::function<void(std::string_view)>& sink) {
  const auto& columns = table.columns();
  std::vector<csv::ValueKind> kinds;
  std::string text;
  for (size_t i = 0; i < columns.size(); ++i) {
    const auto& c = columns[i];
    const bool integer = c.kind == h5::TableColumn::Kind::unsigned_int || c.kind == h5::TableColumn::Kind::signed_int;
    kinds.push_back(csv::column_kind(c.name, c.units, integer, c.bits));
    if (i) text.push_back(',');
    csv::append_field(text, c.name);
  }
  text.push_back('\n');
  const uint64_t rows = std::min(max_rows, table.rows());
  constexpr uint64_t kBlockRows = 1 << 16;  // bounded memory for any table size
  for (uint64_t begin = 0; begin < rows; begin += kBlockRows) {
    const uint64_t end = std::min(rows, begin + kBlockRows);
    const std::vector<h5::TableValues> block = table.read(begin, end);
    for (uint64_t r = 0; r < end - begin; ++r) {
      for (size_t i = 0; i < block.size(); ++i) {
        if (i) text.push_back(',');
        const auto& values = block[i];
        if (const auto* u = std::get_if<std::vector<uint64_t>>(&values)) {
          csv::append_integer(text, (*u)[r], false, kinds[i], readable);
        } else if (const auto* s = std::get_if<std::vector<int64_t>>(&values)) {
          csv::append_integer(text, static_cast<uint64_t>((*s)[r]), true, kinds[i], readable);
        } else if (const auto* d = std::get_if<std::vector<double>>(&values)) {
          csv::append_double(text, (*d)[r]);
        } else {
          const std::string& v = std::get<std::vector<std::string>>(values)[r];
          // An empty string alone on its line would be a blank line, which readers skip.
          if (v.empty() && block.size() == 1) text.append("\"\"");
          else csv::append_field(text, v);
        }
      }
      text.push_back('\n');
      if (text.size() >= (1u << 20)) {
        sink(text);
        text.clear();
      }
    }
  }
  if (!text.empty()) sink(text);
  return rows;
}

std::string not_a_table_message(const h5::File& file, const std::string& path, const h5::NotATable& why) {
  std::string out = path + ": " + why.what() + "; its tables: ";
  std::vector<std::string> tables;
  try {
    tables = h5::list_tables(file);
  } catch (const h5::Error&) {
  }
  if (tables.empty()) return out + "none";
  for (size_t i = 0; i < tables.size(); ++i) out += (i ? ", " : "") + tables[i];
  return out;
}

}  // namespace scanhpc::commands
