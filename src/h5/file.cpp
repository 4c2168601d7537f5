// File lifetime (parallel create, serial open, collective close) and groups.
#include "detail.hpp"

namespace scanhpc::h5 {

File File::create_parallel(const std::string& path, MPI_Comm comm) {
  silence_diagnostics();
  Handle fapl(check_id(H5Pcreate(H5P_FILE_ACCESS), "create file access property list"));
  // Collective buffering gathers each write on aggregator ranks (one per
  // node, rank 0 here) in cycles of cb_buffer_size bytes: the MPI-IO default
  // (32 MiB in Open MPI's OMPIO) is memory on top of that rank's share.
  MPI_Info info = MPI_INFO_NULL;
  MPI_Info_create(&info);
  MPI_Info_set(info, "cb_buffer_size", "4194304");
  const herr_t set = H5Pset_fapl_mpio(fapl.get(), comm, info);
  MPI_Info_free(&info);
  check(set, "set MPI-IO driver");
  // Object header v2 (1.8 format): large attributes (the config text) move to
  // dense storage automatically instead of failing at the 64 KiB header limit.
  check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST), "set library version bounds");
  File f;
  f.file_ = Handle(check_id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()),
                            "create " + path));
  f.comm_ = comm;
  return f;
}

File File::open_read(const std::string& path) {
  silence_diagnostics();
  Handle fapl(check_id(H5Pcreate(H5P_FILE_ACCESS), "create file access property list"));
  check(H5Pset_fapl_sec2(fapl.get()), "set sec2 driver");
  File f;
  f.file_ = Handle(check_id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), "open " + path));
  f.comm_ = MPI_COMM_NULL;
  return f;
}

void File::close() {
  if (!file_.valid()) return;
  detail::agreed(comm_, [&] {
    // Forgotten before the call: a close that fails (a full disk at the last
    // flush) must not be tried again, which crashes HDF5 1.10.
    const hid_t id = file_.release();
    if (H5Fclose(id) < 0) {
      close_failed_ = true;
      check(-1, "close file");
    }
  });
  // After this every rank has closed the file, so rank 0 may rename it.
  if (comm_ != MPI_COMM_NULL) MPI_Barrier(comm_);
}

void File::abandon() { (void)file_.release(); }

void File::create_group(const std::string& path) {
  detail::agreed(comm_, [&] {
    std::string p = detail::normalize_path(path);
    if (detail::path_exists(file_.get(), p)) {
      H5O_info_t info;
      check(H5Oget_info_by_name2(file_.get(), p.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT),
            "inspect " + p);
      if (info.type != H5O_TYPE_GROUP) throw Error("create group " + p + ": exists and is not a group");
      return;
    }
    Handle lcpl(check_id(H5Pcreate(H5P_LINK_CREATE), "create link creation property list"));
    check(H5Pset_create_intermediate_group(lcpl.get(), 1), "set intermediate group creation");
    Handle g(check_id(H5Gcreate2(file_.get(), p.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                      "create group " + p));
  });
}

namespace detail {

void agreed(MPI_Comm comm, const std::function<void()>& step) {
  std::string error;
  try {
    step();
  } catch (const CollectiveError&) {
    throw;  // a nested collective already failed on every rank together
  } catch (const Error& e) {
    if (comm == MPI_COMM_NULL) throw;
    error = e.what();
  }
  if (comm == MPI_COMM_NULL) return;
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  int first = error.empty() ? size : rank;  // the lowest failing rank, or size if none failed
  MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == size) return;
  uint64_t len = error.size();
  MPI_Bcast(&len, 1, MPI_UINT64_T, first, comm);
  error.resize(len);
  if (len) MPI_Bcast(error.data(), int(len), MPI_CHAR, first, comm);
  throw CollectiveError(size > 1 ? error + " (rank " + std::to_string(first) + ")" : error);
}

void check_same_on_all_ranks(MPI_Comm comm, uint64_t hash, const std::string& message) {
  if (comm == MPI_COMM_NULL) return;
  uint64_t v[2] = {hash, ~hash};  // max(h) == ~max(~h) iff every h is equal
  MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_UINT64_T, MPI_MAX, comm);
  if (v[0] != ~v[1]) throw Error(message);
}

std::string normalize_path(std::string_view path) {
  std::string out = "/";
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    if (j > i) {
      if (out.size() > 1) out += '/';
      out.append(path.substr(i, j - i));
    }
    i = j;
  }
  return out;
}

bool path_exists(hid_t file, const std::string& path) {
  std::string p = normalize_path(path);
  if (p == "/") return true;
  // Check each prefix: H5Lexists fails (rather than answering false) when an
  // intermediate group is missing.
  size_t pos = 0;
  while (true) {
    pos = p.find('/', pos + 1);
    std::string prefix = p.substr(0, pos);
    htri_t e = H5Lexists(file, prefix.c_str(), H5P_DEFAULT);
    if (e <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    if (pos == std::string::npos) return true;
  }
}

Handle fixed_string_type(size_t width) {
  Handle t(check_id(H5Tcopy(H5T_C_S1), "copy string type"));
  check(H5Tset_size(t.get(), width < 1 ? 1 : width), "set string width");
  check(H5Tset_strpad(t.get(), H5T_STR_NULLPAD), "set string padding");
  check(H5Tset_cset(t.get(), H5T_CSET_ASCII), "set string charset");
  return t;
}

}  // namespace detail
}  // namespace scanhpc::h5
