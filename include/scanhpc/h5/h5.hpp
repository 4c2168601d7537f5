#pragma once
// Thin RAII layer over the HDF5 C API. Errors become scanhpc::h5::Error with
// the HDF5 error stack as text; the library's own HDF5-DIAG printing is off.
// Collective calls (marked) must be made by every rank of the file's
// communicator in the same order, with the same arguments, even ranks that
// hold zero rows; when one fails on any rank, every rank throws
// CollectiveError.
#include <hdf5.h>
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace scanhpc::h5 {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A collective call failed on some rank, and every rank of the file's
// communicator throws it together (the message is the lowest failing rank's):
// safe to unwind, since no rank is left waiting in the collective.
class CollectiveError : public Error {
 public:
  using Error::Error;
};

// Turns off HDF5's automatic error printing (idempotent; call once early).
void silence_diagnostics();

// Owns one hid_t and closes it with the right H5*close for its type.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) { reset(); id_ = std::exchange(o.id_, H5I_INVALID_HID); }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset();  // closes; never throws
  hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }  // forgets without closing

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// Throws Error("<what>: <HDF5 error stack>") when id < 0 / status < 0.
hid_t check_id(hid_t id, std::string_view what);
void check(herr_t status, std::string_view what);

// A column of one table, on this rank. Strings are written as fixed-length,
// NUL-padded ASCII whose width is the longest string on any rank, at least 2
// (netCDF and xarray read 1-byte strings as characters).
using ColumnData = std::variant<std::vector<uint8_t>, std::vector<uint16_t>, std::vector<uint32_t>,
                                std::vector<uint64_t>, std::vector<double>,
                                std::vector<std::string>, std::vector<int32_t>>;
// The values are held by a shared pointer: a table is written from a braced list of columns,
// and a std::initializer_list's elements can only be copied into the vector, never moved; so
// copying a Column shares its values instead of copying them (measured: the hosts table's
// 26 MB copy was half of scan's write stage, and doubled its memory).
struct Column {
  std::string name;
  std::shared_ptr<const ColumnData> values;
  // The column's `units` and `description` attributes. Left empty (scanhpc's
  // writers), they come from the column catalogue (column_doc below); a
  // column documented in neither fails write_table.
  std::string units = {};
  std::string description = {};
  Column(std::string name_, ColumnData data_, std::string units_ = {}, std::string description_ = {})
      : name(std::move(name_)), values(std::make_shared<const ColumnData>(std::move(data_))),
        units(std::move(units_)), description(std::move(description_)) {}
  const ColumnData& data() const { return *values; }
};

// What every column of a table carries as attributes (docs/hdf5-layout.md,
// "Column attributes"): `units` (CF units where CF has them, so that xarray
// decodes times) and `description`; a bitmask column also the CF attributes
// `flag_masks` (in the column's type) and `flag_meanings` (blank-separated,
// one word per mask).
struct ColumnDoc {
  std::string units;
  std::string description;
  std::vector<uint64_t> flag_masks = {};
  std::string flag_meanings = {};
};
// One entry of the catalogue of every column scanhpc's writers write. In
// `table`, a `*` stands for any run of characters within one path part
// ("/flow/top/*_by_flows"); so it does in `column`, which only gather's
// option columns use ("param:*" of /gather/runs: names made from the runs'
// options, one description for all).
struct CatalogueEntry {
  std::string table;
  std::string column;
  ColumnDoc doc;
};
// The catalogue, table by table in the order of docs/hdf5-layout.md
// (src/h5/column_docs.cpp; `scanhpc info --columns` prints it as Markdown).
const std::vector<CatalogueEntry>& column_catalogue();
// The documentation of column `column` of table `table` (a normalized path
// such as "/hosts/table"), or nullptr when the catalogue has none.
const ColumnDoc* column_doc(std::string_view table, std::string_view column);
// The name of the dataset in each table group that is the table's netCDF
// dimension (an HDF5 dimension scale holding no data, one zero byte per row):
// not a column, and no column may take this name.
inline constexpr std::string_view kRowDimension = "row";

// How a table's datasets are stored. The default is contiguous and
// uncompressed, which every reader handles. Chunked storage with a filter
// (the repacked /observations table) is written collectively through HDF5's
// parallel filtered writes: each rank passes its rows as usual, and chunks
// that straddle two ranks' rows are assembled by HDF5. The chunk size is
// fixed by the caller, never by the rank count, so the stored values are the
// same at any number of ranks.
struct TableStorage {
  uint64_t chunk_rows = 0;  // 0: contiguous
  unsigned deflate_level = 0;  // 0: no deflate filter (chunked only)
  bool shuffle = false;        // byte shuffle before deflate (chunked only)
};

// Scalar attribute values.
using AttrValue = std::variant<uint64_t, int64_t, double, std::string, std::vector<uint64_t>>;

class File {
 public:
  // Collective: creates (truncates) `path` with the MPI-IO driver on `comm`.
  static File create_parallel(const std::string& path, MPI_Comm comm);
  // Serial, read-only (for `scanhpc info` and tests).
  static File open_read(const std::string& path);

  hid_t id() const { return file_.get(); }
  MPI_Comm comm() const { return comm_; }
  bool parallel() const { return comm_ != MPI_COMM_NULL; }

  // Collective: creates a group (and missing parents), e.g. "/multiprobe".
  void create_group(const std::string& path);
  // Collective: writes (replaces) a scalar or 1-D attribute on a group.
  // Every rank must pass the same value (checked: ranks that disagree fail
  // the call on every rank); per-rank facts belong in a per-rank array.
  void write_attr(const std::string& object_path, const std::string& name, const AttrValue& value);
  // Collective: writes a table (a group of equal-length 1-D datasets plus the
  // attribute `columns`). Each rank passes its own rows, already in global
  // order (rank r's rows follow rank r-1's); ranks with zero rows take part.
  // All ranks pass the same column names and types (and storage). Every column is
  // documented (Column::units/description, else the catalogue) and the
  // columns share the dimension `row`, as describe_table does.
  void write_table(const std::string& group_path, const std::vector<Column>& local_columns,
                   const TableStorage& storage = {});
  // Collective: creates the group of a table (and missing parents) unless it
  // exists, tracking the creation order of its links so that h5py, netCDF
  // and xarray list the columns in the order they were written. write_table
  // calls it; a writer of its own calls it before writing its columns.
  void create_table_group(const std::string& group_path);
  // Collective, for a writer of its own (e.g. chunked, compressed columns):
  // once the columns of table `group_path` are written (1-D datasets of equal
  // length), writes the group's `columns` attribute (this order), gives each
  // column the attributes of its catalogue entry (`units`, `description`, CF
  // flags) and makes them share the netCDF dimension `row` (an HDF5
  // dimension scale), so that xarray and netCDF open the group as a dataset.
  // A column without a catalogue entry, or a fixed-length string column
  // narrower than 2 bytes (write_table's least width), fails the call on
  // every rank before anything is written. write_table does all of this
  // itself.
  void describe_table(const std::string& group_path, const std::vector<std::string>& columns);
  // Collective close; rank 0 then may rename the file.
  void close();
  // Forgets the file without closing it: for a rank that fails alone and
  // is about to abort the job, since a collective close would wait forever.
  void abandon();
  // A close failed (a full disk at the last flush): HDF5 1.10 cannot close
  // the file again, and crashes if it tries at exit.
  bool close_failed() const { return close_failed_; }

 private:
  // The HDF5 calls of write_table / write_attr, run inside an agreement.
  void write_table_step(const std::string& group_path, const std::vector<Column>& local_columns,
                        const TableStorage& storage);
  void describe_table_step(const std::string& group_path, const std::vector<std::string>& columns,
                           const std::vector<ColumnDoc>& docs, uint64_t rows, const TableStorage& storage = {});
  void write_attr_step(const std::string& object_path, const std::string& name, const AttrValue& value);

  Handle file_;
  MPI_Comm comm_ = MPI_COMM_NULL;
  bool close_failed_ = false;
};

// Reading side (serial), used by `scanhpc info` and tests.
struct DatasetInfo {
  std::string path;
  std::string type;   // "u8", "u16", "u32", "u64", "f64", "str<N>", other HDF5 class names
  uint64_t rows = 0;
  std::string units;  // the dataset's `units` attribute, if it has one
};
struct AttrInfo {
  std::string object_path;
  std::string name;
  std::string value_text;  // rendered for printing
  bool on_dataset = false; // an attribute of a dataset (a column's units, description, ...)
};
// Every dataset but the tables' dimensions (kRowDimension), sorted by path.
std::vector<DatasetInfo> list_datasets(const File& f);
std::vector<AttrInfo> list_attributes(const File& f);        // every object, sorted
std::vector<uint64_t> read_u64_column(const File& f, const std::string& dataset_path);  // any unsigned int type widened
std::vector<double> read_f64_column(const File& f, const std::string& dataset_path);
std::vector<std::string> read_str_column(const File& f, const std::string& dataset_path);
// Rows [begin, end) only (a rank's slice of a table); end is clamped to the rows there are.
uint64_t column_rows(const File& f, const std::string& dataset_path);
std::vector<uint64_t> read_u64_column(const File& f, const std::string& dataset_path, uint64_t begin, uint64_t end);
std::vector<double> read_f64_column(const File& f, const std::string& dataset_path, uint64_t begin, uint64_t end);
AttrValue read_attr(const File& f, const std::string& object_path, const std::string& name);
// Rows [begin, end) of an unsigned integer column no wider than the vector's
// type (a wider one throws rather than clamp), appended to `out`; end is clamped.
void read_column_rows(const File& f, const std::string& path, uint64_t begin, uint64_t end, std::vector<uint8_t>& out);
void read_column_rows(const File& f, const std::string& path, uint64_t begin, uint64_t end, std::vector<uint16_t>& out);
void read_column_rows(const File& f, const std::string& path, uint64_t begin, uint64_t end, std::vector<uint32_t>& out);
// A 1-D dataset's chunk length; 0 when it is stored contiguously.
uint64_t column_chunk_rows(const File& f, const std::string& dataset_path);
// Whether every link of `path` exists.
bool object_exists(const File& f, const std::string& path);

// Any table, read in blocks of rows (`scanhpc export`, `info --table`).
// A group that is not a table (missing, not a group, no 1-D datasets,
// columns of unequal length) throws NotATable.
class NotATable : public Error {
 public:
  using Error::Error;
};
struct TableColumn {
  enum class Kind { unsigned_int, signed_int, floating, string };
  std::string name;
  std::string type;   // as in DatasetInfo
  std::string units;  // the dataset's `units` attribute, if it has one
  Kind kind = Kind::string;
  unsigned bits = 0;  // of an integer or float
};
// A block of one column, integers widened to 64 bits.
using TableValues = std::variant<std::vector<uint64_t>, std::vector<int64_t>, std::vector<double>,
                                 std::vector<std::string>>;
class TableReader {
 public:
  TableReader(const File& f, const std::string& group_path);
  const std::string& path() const { return path_; }
  const std::vector<TableColumn>& columns() const { return columns_; }
  uint64_t rows() const { return rows_; }
  // How the column order was found: "columns attribute" (scanhpc's writers),
  // "creation order" (a file that tracks it) or "name order".
  const std::string& order() const { return order_; }
  // Rows [begin, end) of every column (end is clamped to rows()).
  std::vector<TableValues> read(uint64_t begin, uint64_t end) const;

 private:
  const File* file_;
  std::string path_;
  std::vector<TableColumn> columns_;
  uint64_t rows_ = 0;
  std::string order_;
};
// The paths of every group of the file that is a table, sorted.
std::vector<std::string> list_tables(const File& f);

}  // namespace scanhpc::h5
