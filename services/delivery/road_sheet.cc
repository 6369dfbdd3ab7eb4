#include "road_sheet.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace comptoir::delivery {
namespace {

std::string Hhmm(absl::Time t, const absl::TimeZone& zone) {
  return absl::FormatTime("%H:%M", t, zone);
}

std::string FrenchDate(absl::CivilDay day) {
  return absl::StrFormat("%02d/%02d/%04d", day.day(), day.month(), day.year());
}

std::string HandOver(const Job& job) {
  std::vector<std::string> parts;
  for (const HandOverLine& line : job.lines) {
    parts.push_back(absl::StrCat(line.quantity, " × ", line.name,
                                 line.sale_unit.empty() ? "" : " (" + line.sale_unit + ")"));
  }
  return absl::StrJoin(parts, ", ");
}

const char* StatusFr(StopStatus status) {
  switch (status) {
    case StopStatus::kPlanned:
      return "à livrer";
    case StopStatus::kPickedUp:
      return "enlevée";
    case StopStatus::kDelivered:
      return "livrée";
    case StopStatus::kFailed:
      return "échec";
    case StopStatus::kCancelled:
      return "annulée";
  }
  return "";
}

std::string Html(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A field is quoted when it holds the separator, a quote or a line break; a leading = + - @
// is defused so a spreadsheet never runs a customer's text as a formula.
std::string Csv(const std::string& text) {
  std::string value = text;
  if (!value.empty() &&
      (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@')) {
    value = "'" + value;
  }
  if (value.find_first_of(";\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string RoadSheetHtml(const RoundRecord& round, const absl::TimeZone& zone) {
  const std::string title = absl::StrCat("Tournée du ", FrenchDate(round.day), " — ",
                                         round.depot_name.empty() ? "dépôt" : round.depot_name);
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<title>", Html(title),
      "</title>\n<style>body{font:11pt sans-serif;margin:1cm}table{border-collapse:collapse;"
      "width:100%}th,td{border:1px solid #444;padding:4px;text-align:left;vertical-align:top}"
      "@page{size:A4 landscape;margin:1cm}</style>\n</head>\n<body>\n<h1>",
      Html(title), "</h1>\n<p>Départ ", Hhmm(round.departure, zone), " · retour prévu ",
      Hhmm(round.return_time, zone), " · ", absl::StrFormat("%.1f", round.distance_metres / 1000.0),
      " km · ", round.stops.size(), " arrêt", round.stops.size() > 1 ? "s" : "",
      "</p>\n<table>\n<caption>Arrêts dans l'ordre de passage</caption>\n<thead><tr>"
      "<th scope=\"col\">N°</th><th scope=\"col\">Arrivée estimée</th>"
      "<th scope=\"col\">Créneau</th><th scope=\"col\">Commande</th>"
      "<th scope=\"col\">Client</th><th scope=\"col\">Adresse</th>"
      "<th scope=\"col\">À remettre</th><th scope=\"col\">État</th></tr></thead>\n<tbody>\n");
  for (const StopRecord& stop : round.stops) {
    const Job& job = stop.job;
    absl::StrAppend(&html, "<tr><td>", stop.position, "</td><td>", Hhmm(stop.eta, zone),
                    "</td><td>", Hhmm(job.window_start, zone), "–", Hhmm(job.window_end, zone),
                    "</td><td>", Html(job.order_number), "</td><td>", Html(job.customer_name),
                    "<br>", Html(job.customer_phone), "</td><td>", Html(job.address), "<br>",
                    Html(job.postal_code), " ", Html(job.commune_name), "</td><td>",
                    Html(HandOver(job)), "</td><td>", StatusFr(stop.status),
                    stop.reason.empty() ? "" : " : " + Html(stop.reason), "</td></tr>\n");
  }
  absl::StrAppend(&html, "</tbody>\n</table>\n</body>\n</html>\n");
  return html;
}

std::string RoadSheetCsv(const RoundRecord& round, const absl::TimeZone& zone) {
  std::string csv =
      "\xEF\xBB\xBFOrdre;Arrivée estimée;Début créneau;Fin créneau;Commande;Client;Téléphone;"
      "Adresse;Code postal;Commune;À remettre;État\r\n";
  for (const StopRecord& stop : round.stops) {
    const Job& job = stop.job;
    const std::vector<std::string> fields = {
        absl::StrCat(stop.position), Hhmm(stop.eta, zone),  Hhmm(job.window_start, zone),
        Hhmm(job.window_end, zone),  Csv(job.order_number), Csv(job.customer_name),
        Csv(job.customer_phone),     Csv(job.address),      Csv(job.postal_code),
        Csv(job.commune_name),       Csv(HandOver(job)),    StatusFr(stop.status)};
    absl::StrAppend(&csv, absl::StrJoin(fields, ";"), "\r\n");
  }
  return csv;
}

}  // namespace comptoir::delivery
