#pragma once
// One function per `scanhpc <command>`. Each gets the arguments after the
// command name and returns the process exit code.
#include <string>
#include <vector>

namespace scanhpc::commands {

using Args = std::vector<std::string>;

int scan(const Args& args);   // src/commands/scan.cpp
int info(const Args& args);   // src/commands/info.cpp
int synth(const Args& args);  // src/commands/synth.cpp
int gps(const Args& args);    // src/commands/gps.cpp
int flow(const Args& args);   // src/commands/flow.cpp
int ports_command(const Args& args);  // src/commands/ports.cpp
int export_command(const Args& args);  // src/commands/export.cpp
int gather(const Args& args);  // src/commands/gather.cpp

// The whole command line as typed, for provenance.
const std::string& command_line();
void set_command_line(int argc, char** argv);

}  // namespace scanhpc::commands
