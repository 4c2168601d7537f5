#pragma once
namespace scanhpc {
const char* version();     // project version from CMake
const char* git_commit();  // `git describe` of the source tree at configure time
const char* build_flags();  // compiler, version and the build type's flags (-march among them)
}  // namespace scanhpc
