#pragma once
namespace scanhpc {
const char* version();     // project version from CMake
const char* git_commit();  // `git describe` of the source tree at configure time
}  // namespace scanhpc
