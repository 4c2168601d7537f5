// Honeypot CSV date forms (docs/honeypot-csv.md): each form against epoch
// seconds computed independently with GNU date (`date -u -d '2013-03-03
// 21:53:59' +%s`), the per-file detection, and the sequential stream reader
// on gzip against the plain buffer parse.
#include <catch2/catch.hpp>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "scanhpc/ports/honeypot_csv.hpp"

using namespace scanhpc::ports;

namespace {

bool parses(const char* text, DateForm form, uint32_t& t) { return parse_csv_time(text, form, t); }

void check_time(const char* text, DateForm form, uint32_t want) {
  INFO(text);
  uint32_t t = 0;
  REQUIRE(parses(text, form, t));
  CHECK(t == want);
}

void check_rejected(const char* text, DateForm form) {
  INFO(text);
  uint32_t t = 0;
  CHECK_FALSE(parses(text, form, t));
}

}  // namespace

TEST_CASE("honeypot dates: YYYY-MM-DD and ISO 8601 with zones", "[honeypot][dates]") {
  const auto iso = DateForm::iso;
  check_time("2013-03-03 21:53:59", iso, 1362347639);
  check_time("2013-03-03T21:53:59", iso, 1362347639);
  check_time("2013-03-03T21:53:59Z", iso, 1362347639);
  check_time("2013-03-03T21:53:59.123456Z", iso, 1362347639);  // fractions dropped, not rounded
  check_time("2013-03-03T21:53:59.999", iso, 1362347639);
  check_time("2013-03-03T21:53:59+01:00", iso, 1362344039);  // date -u -d '2013-03-03 20:53:59'
  check_time("2013-03-03T21:53:59+0100", iso, 1362344039);
  check_time("2013-03-03T23:30:00-05:30", iso, 1362373200);  // forward over midnight: 03-04 05:00 UTC
  check_time("2012-03-01T00:30:00+01:00", iso, 1330558200);  // back over midnight onto the leap day
  check_time("2012-02-29 22:00:00", iso, 1330552800);
  check_time("1970-01-01T00:00:00Z", iso, 0);
  check_time("2105-12-31T23:59:59Z", iso, 4291747199u);
  check_rejected("1970-01-01T00:30:00+01:00", iso);  // before 1970 in UTC
  check_rejected("2013-02-29 10:00:00", iso);
  check_rejected("2013-3-3 21:53:59", iso);
  check_rejected("2013-03-03 24:00:00", iso);
  check_rejected("2013-03-03 21:60:00", iso);
  check_rejected("2013-03-03T21:53:59+1:00", iso);
  check_rejected("2013-03-03T21:53:59+24:00", iso);
  check_rejected("2013-03-03T21:53:59.", iso);
  check_rejected("2013-03-03T21:53:59 Z", iso);
  check_rejected("2013-03-03T21:53:59Zjunk", iso);
  check_rejected("2013-03-03 21:53", iso);
  check_rejected("3/3/13 21:53", iso);
}

TEST_CASE("honeypot dates: Kaggle M/D/YY H:MM and the two-digit year pivot", "[honeypot][dates]") {
  const auto mdy = DateForm::mdy;
  check_time("3/3/13 21:53", mdy, 1362347580);
  check_time("03/03/13 21:53", mdy, 1362347580);
  check_time("3/3/2013 21:53", mdy, 1362347580);
  check_time("3/3/13 21:53:59", mdy, 1362347639);
  check_time("12/1/13 9:05", mdy, 1385888700);  // unpadded day and hour
  check_time("2/29/12 23:30", mdy, 1330558200);  // leap day
  check_time("7/4/99 1:02", mdy, 931050120);     // 99 -> 1999
  check_time("1/1/00 0:00", mdy, 946684800);     // 00 -> 2000
  check_time("12/31/68 23:59", mdy, 3124223940u);  // 68 -> 2068, the last year of the pivot
  check_rejected("12/31/69 23:59", mdy);  // 69 -> 1969: before 1970
  check_rejected("2/29/13 0:00", mdy);
  check_rejected("13/3/13 1:00", mdy);
  check_rejected("0/3/13 1:00", mdy);
  check_rejected("3/3/13 21:5", mdy);
  check_rejected("3/3/13 21:53:5", mdy);
  check_rejected("3/3/133 21:53", mdy);
  check_rejected("3/3/13  21:53", mdy);
  check_rejected("3/3/13 24:00", mdy);
  check_rejected("3/3/13 21:53 ", mdy);
  check_rejected("2013-03-03 21:53:59", mdy);
}

TEST_CASE("honeypot dates: dd/MM/yyyy HH:mm[:ss]", "[honeypot][dates]") {
  const auto dmy = DateForm::dmy;
  check_time("05/03/2013 10:30", dmy, 1362479400);  // date -u -d '2013-03-05 10:30' +%s
  check_time("05/03/2013 10:30:15", dmy, 1362479415);
  check_rejected("5/03/2013 10:30", dmy);
  check_rejected("30/02/2013 10:30", dmy);
  check_rejected("05/03/13 10:30", dmy);
}

TEST_CASE("honeypot dates: one form per file, from its first rows", "[honeypot][dates]") {
  const std::string header = "datetime,host,src,proto,type,spt,dpt\n";
  const CsvLayout layout = layout_from_header("datetime,host,src,proto,type,spt,dpt");
  auto form_of = [&](const std::string& rows) { return detect_date_form(rows, layout); };
  CHECK(form_of("2013-03-03 21:53:59,h,1,TCP,,1,80\n") == DateForm::iso);
  CHECK(form_of("2013-03-03T21:53:59Z,h,1,TCP,,1,80\n") == DateForm::iso);
  CHECK(form_of("3/3/13 21:53,h,1,TCP,,1,80\n") == DateForm::mdy);
  CHECK(form_of("13/03/2013 21:53,h,1,TCP,,1,80\n") == DateForm::dmy);
  CHECK(form_of("03/13/2013 21:53,h,1,TCP,,1,80\n") == DateForm::mdy);
  // Day and month both <= 12 with a 4-digit year: ambiguous, read day first.
  CHECK(form_of("03/04/2013 21:53,h,1,TCP,,1,80\n") == DateForm::dmy);
  // ... unless a later row of the sample settles it.
  CHECK(form_of("03/04/2013 21:53,h,1,TCP,,1,80\n03/13/2013 21:53,h,1,TCP,,1,80\n03/14/2013 1:00,h,1,TCP,,1,80\n") ==
        DateForm::mdy);
  CHECK(form_of("\nnot a date,h,1,TCP,,1,80\n") == DateForm::iso);

  // A Kaggle file with one ISO row: that row is rejected, every other row read.
  const std::string text = header + "3/3/13 21:53,groucho-oregon,1032051418,TCP,,6000,1433\n" +
                           "3/4/13 2:23,groucho-eu,5,UDP,,1,53\n" + "2013-03-04 02:23:59,groucho-eu,5,UDP,,1,53\n";
  EventColumns ev;
  CsvCounts counts;
  parse_honeypot_csv_buffer(text, ColumnMapping{}, ev, counts);
  CHECK(counts.records_read == 3);
  CHECK(counts.records_used == 2);
  CHECK(counts.records_rejected == 1);
  REQUIRE(counts.errors.size() == 1);
  CHECK(counts.sorted_errors()[0].offset == text.find("2013-03-04"));
  CHECK(counts.sorted_errors()[0].cause.find("bad datetime") != std::string::npos);
  REQUIRE(ev.size() == 2);
  CHECK(ev.time[0] == 1362347580u);
  CHECK(ev.time[1] == 1362363780u);  // date -u -d '2013-03-04 02:23' +%s
}

TEST_CASE("honeypot dates: a gzip stream reads as the plain text", "[honeypot][dates]") {
  std::string text = "\xEF\xBB\xBF" "datetime,host,src,proto,type,spt,dpt\r\n";
  for (int i = 0; i < 5000; ++i)  // several 4 KiB blocks, lines cut at block ends
    text += "3/" + std::to_string(1 + i % 28) + "/13 " + std::to_string(i % 24) + ":0" + std::to_string(i % 10) +
            ",sensor-" + std::to_string(i % 7) + "," + std::to_string(i * 7919) + ",TCP,,1," +
            std::to_string(i % 1000) + (i % 97 == 0 ? ",x" : "") + "\n";
  const auto path = std::filesystem::temp_directory_path() / ("honeypot_dates_" + std::to_string(::getpid()) + ".gz");
  gzFile gz = gzopen(path.c_str(), "wb");
  REQUIRE(gz);
  REQUIRE(gzwrite(gz, text.data(), unsigned(text.size())) == int(text.size()));
  gzclose(gz);

  EventColumns plain, streamed;
  CsvCounts c1, c2;
  parse_honeypot_csv_buffer(text, ColumnMapping{}, plain, c1);
  const CsvLayout layout = read_honeypot_csv_stream(path.string(), ColumnMapping{}, streamed, c2, 4096);
  std::filesystem::remove(path);
  CHECK(layout.date_form == DateForm::mdy);
  CHECK(c1.records_read == 5000);
  CHECK(c1.records_rejected == 52);  // i % 97 == 0: one field too many
  CHECK(c2.records_read == c1.records_read);
  CHECK(c2.records_used == c1.records_used);
  CHECK(c2.records_rejected == c1.records_rejected);
  REQUIRE(c2.errors.size() == c1.errors.size());
  for (size_t i = 0; i < c1.errors.size(); ++i) CHECK(c2.sorted_errors()[i].offset == c1.sorted_errors()[i].offset);
  CHECK(streamed.time == plain.time);
  CHECK(streamed.src == plain.src);
  CHECK(streamed.dst_port == plain.dst_port);
  CHECK(streamed.sensors == plain.sensors);
}
