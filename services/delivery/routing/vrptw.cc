#include "routing/vrptw.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"

namespace comptoir::delivery::routing {
namespace {

constexpr double kEps = 1e-7;
constexpr double kInf = std::numeric_limits<double>::infinity();

// A route during the search, with the caches that make insertion checks O(1):
// `start[k]` is when service begins at nodes[k] driving the route as early as possible,
// `latest[k]` the latest start at nodes[k] that still lets the rest of the route be on time.
struct Route {
  int vehicle = 0;
  int64_t capacity = 0;
  std::vector<int> nodes;
  std::vector<double> start;
  std::vector<double> latest;
  std::vector<int64_t> prefix_load;  // load of nodes[0..k] inclusive
  int64_t load = 0;
  double distance = 0;
};

struct State {
  std::vector<Route> routes;  // one per vehicle, possibly empty
  std::vector<int> unassigned;
  double distance = 0;
  int used = 0;

  double Cost(double vehicle_cost) const { return distance + vehicle_cost * used; }
};

class Search {
 public:
  Search(const Problem& problem, const Options& options)
      : p_(problem),
        m_(*problem.matrix),
        opt_(options),
        n_(static_cast<int>(problem.nodes.size())),
        rng_(options.seed) {
    BuildNeighbours();
  }

  State Construct();
  void LocalSearch(State& s);
  State Run();

  static Solution ToSolution(const State& s) {
    Solution out;
    out.routes.reserve(s.routes.size());
    for (const Route& r : s.routes) out.routes.push_back(r.nodes);
    out.unassigned = s.unassigned;
    std::sort(out.unassigned.begin(), out.unassigned.end());
    out.distance = s.distance;
    out.vehicles_used = s.used;
    return out;
  }
  int64_t iterations() const { return iterations_; }

 private:
  const Node& node(int i) const { return p_.nodes[static_cast<size_t>(i)]; }
  double D(int i, int j) const { return m_.Distance(i, j); }
  double T(int i, int j) const { return m_.Duration(i, j); }

  void BuildNeighbours();
  void Update(Route& r) const;
  void Totals(State& s) const;
  // Distance of the sequence if it is feasible for `capacity`, else +inf.
  double Simulate(const std::vector<int>& seq, int64_t capacity) const;
  // Extra distance of inserting u at position pos of r, or +inf if windows break.
  double InsertionDelta(const Route& r, int u, int pos) const;
  bool ServableAlone(int u) const;
  bool Better(const State& a, const State& b) const {
    if (a.unassigned.size() != b.unassigned.size()) {
      return a.unassigned.size() < b.unassigned.size();
    }
    return a.Cost(opt_.vehicle_cost) < b.Cost(opt_.vehicle_cost) - kEps;
  }

  void Ruin(State& s, std::vector<int>& removed);
  void Recreate(State& s, std::vector<int>& pending);

  bool TwoOpt(Route& r);
  bool OrOpt(Route& r);
  bool Relocate(State& s);
  bool Exchange(State& s);
  bool TwoOptStar(State& s);
  bool Replace(Route& r, std::vector<int>&& seq, double distance) {
    if (distance >= r.distance - kEps) return false;
    r.nodes = std::move(seq);
    Update(r);
    return true;
  }

  const Problem& p_;
  const TravelMatrix& m_;
  const Options opt_;
  const int n_;
  std::mt19937_64 rng_;
  std::vector<std::vector<int>> neighbours_;  // customers by increasing distance
  std::vector<int> scratch_;
  int64_t iterations_ = 0;
};

void Search::BuildNeighbours() {
  neighbours_.assign(static_cast<size_t>(n_), {});
  for (int i = 1; i < n_; ++i) {
    std::vector<int>& list = neighbours_[static_cast<size_t>(i)];
    for (int j = 1; j < n_; ++j) list.push_back(j);  // includes i itself, first after sort
    std::stable_sort(list.begin(), list.end(), [&](int a, int b) {
      const double da = a == i ? -1 : D(i, a) + D(a, i);
      const double db = b == i ? -1 : D(i, b) + D(b, i);
      return da < db;
    });
  }
}

void Search::Update(Route& r) const {
  const size_t len = r.nodes.size();
  r.start.resize(len);
  r.latest.resize(len);
  r.prefix_load.resize(len);
  r.load = 0;
  r.distance = 0;
  int prev = 0;
  double time = node(0).ready;
  for (size_t k = 0; k < len; ++k) {
    const int u = r.nodes[k];
    r.distance += D(prev, u);
    time = std::max(node(u).ready, time + (prev == 0 ? 0 : node(prev).service) + T(prev, u));
    r.start[k] = time;
    r.load += node(u).demand;
    r.prefix_load[k] = r.load;
    prev = u;
  }
  if (len > 0) r.distance += D(prev, 0);
  double limit = node(0).due;
  int next = 0;
  for (size_t k = len; k-- > 0;) {
    const int u = r.nodes[k];
    limit = std::min(node(u).due, limit - node(u).service - T(u, next));
    r.latest[k] = limit;
    next = u;
  }
}

void Search::Totals(State& s) const {
  s.distance = 0;
  s.used = 0;
  for (const Route& r : s.routes) {
    s.distance += r.distance;
    if (!r.nodes.empty()) ++s.used;
  }
}

double Search::Simulate(const std::vector<int>& seq, int64_t capacity) const {
  int64_t load = 0;
  double distance = 0;
  double time = node(0).ready;
  int prev = 0;
  for (int u : seq) {
    load += node(u).demand;
    if (load > capacity) return kInf;
    distance += D(prev, u);
    time = std::max(node(u).ready, time + (prev == 0 ? 0 : node(prev).service) + T(prev, u));
    if (time > node(u).due + kEps) return kInf;
    prev = u;
  }
  if (seq.empty()) return 0;
  if (time + node(prev).service + T(prev, 0) > node(0).due + kEps) return kInf;
  return distance + D(prev, 0);
}

double Search::InsertionDelta(const Route& r, int u, int pos) const {
  const size_t len = r.nodes.size();
  const size_t k = static_cast<size_t>(pos);
  const int prev = k == 0 ? 0 : r.nodes[k - 1];
  const int next = k == len ? 0 : r.nodes[k];
  const double departure = k == 0 ? node(0).ready : r.start[k - 1] + node(prev).service;
  const double start_u = std::max(node(u).ready, departure + T(prev, u));
  if (start_u > node(u).due + kEps) return kInf;
  const double arrival_next = start_u + node(u).service + T(u, next);
  const double limit = k == len ? node(0).due : r.latest[k];
  if (arrival_next > limit + kEps) return kInf;
  return D(prev, u) + D(u, next) - D(prev, next);
}

bool Search::ServableAlone(int u) const {
  int64_t best_capacity = 0;
  for (const Vehicle& v : p_.vehicles) best_capacity = std::max(best_capacity, v.capacity);
  return Simulate({u}, best_capacity) < kInf;
}

// Clarke-Wright savings with windows and capacity checked on every merge, then routes
// matched to vehicles (largest loads to the smallest vehicle that fits); customers of
// routes left without a vehicle are inserted where they fit best, or left unassigned.
State Search::Construct() {
  State s;
  int64_t max_capacity = 0;
  for (const Vehicle& v : p_.vehicles) max_capacity = std::max(max_capacity, v.capacity);
  std::vector<std::vector<int>> routes;
  std::vector<int> route_of(static_cast<size_t>(n_), -1);
  std::vector<int> pending;
  for (int u = 1; u < n_; ++u) {
    if (p_.vehicles.empty() || !ServableAlone(u)) {
      s.unassigned.push_back(u);
      continue;
    }
    route_of[static_cast<size_t>(u)] = static_cast<int>(routes.size());
    routes.push_back({u});
  }
  struct Saving {
    double value;
    int from, to;
  };
  std::vector<Saving> savings;
  for (int i = 1; i < n_; ++i) {
    if (route_of[static_cast<size_t>(i)] < 0) continue;
    for (int j = 1; j < n_; ++j) {
      if (i == j || route_of[static_cast<size_t>(j)] < 0) continue;
      const double value = D(i, 0) + D(0, j) - D(i, j);
      if (value > 0) savings.push_back({value, i, j});
    }
  }
  std::stable_sort(savings.begin(), savings.end(),
                   [](const Saving& a, const Saving& b) { return a.value > b.value; });
  std::vector<int> merged;
  for (const Saving& sv : savings) {
    const int a = route_of[static_cast<size_t>(sv.from)];
    const int b = route_of[static_cast<size_t>(sv.to)];
    if (a == b) continue;
    std::vector<int>& ra = routes[static_cast<size_t>(a)];
    std::vector<int>& rb = routes[static_cast<size_t>(b)];
    if (ra.back() != sv.from || rb.front() != sv.to) continue;
    merged = ra;
    merged.insert(merged.end(), rb.begin(), rb.end());
    if (Simulate(merged, max_capacity) == kInf) continue;
    for (int u : rb) route_of[static_cast<size_t>(u)] = a;
    ra = std::move(merged);
    merged = {};
    rb.clear();
  }
  std::erase_if(routes, [](const std::vector<int>& r) { return r.empty(); });

  // Match routes to vehicles.
  auto load_of = [&](const std::vector<int>& r) {
    int64_t load = 0;
    for (int u : r) load += node(u).demand;
    return load;
  };
  std::stable_sort(routes.begin(), routes.end(),
                   [&](const auto& a, const auto& b) { return load_of(a) > load_of(b); });
  s.routes.resize(p_.vehicles.size());
  for (size_t v = 0; v < p_.vehicles.size(); ++v) {
    s.routes[v].vehicle = static_cast<int>(v);
    s.routes[v].capacity = p_.vehicles[v].capacity;
  }
  for (std::vector<int>& r : routes) {
    const int64_t load = load_of(r);
    int chosen = -1;
    for (size_t v = 0; v < s.routes.size(); ++v) {
      if (!s.routes[v].nodes.empty() || s.routes[v].capacity < load) continue;
      if (chosen < 0 || s.routes[v].capacity < s.routes[static_cast<size_t>(chosen)].capacity) {
        chosen = static_cast<int>(v);
      }
    }
    if (chosen < 0 || Simulate(r, s.routes[static_cast<size_t>(chosen)].capacity) == kInf) {
      pending.insert(pending.end(), r.begin(), r.end());
      continue;
    }
    s.routes[static_cast<size_t>(chosen)].nodes = std::move(r);
  }
  for (Route& r : s.routes) Update(r);
  // Reinsert without randomness: the baseline is deterministic.
  std::sort(pending.begin(), pending.end());
  for (int u : pending) {
    double best = kInf;
    Route* best_route = nullptr;
    int best_pos = -1;
    for (Route& r : s.routes) {
      if (r.load + node(u).demand > r.capacity) continue;
      for (int pos = 0; pos <= static_cast<int>(r.nodes.size()); ++pos) {
        const double delta = InsertionDelta(r, u, pos) + (r.nodes.empty() ? opt_.vehicle_cost : 0);
        if (delta < best) {
          best = delta;
          best_route = &r;
          best_pos = pos;
        }
      }
    }
    if (best_route == nullptr) {
      s.unassigned.push_back(u);
      continue;
    }
    best_route->nodes.insert(best_route->nodes.begin() + best_pos, u);
    Update(*best_route);
  }
  Totals(s);
  return s;
}

// --- Local search: first improvement, restarted after every applied move. -------------------

bool Search::TwoOpt(Route& r) {
  const int len = static_cast<int>(r.nodes.size());
  for (int i = 0; i + 1 < len; ++i) {
    const int prev = i == 0 ? 0 : r.nodes[static_cast<size_t>(i - 1)];
    const int first = r.nodes[static_cast<size_t>(i)];
    for (int j = i + 1; j < len; ++j) {
      const int last = r.nodes[static_cast<size_t>(j)];
      const int next = j + 1 == len ? 0 : r.nodes[static_cast<size_t>(j + 1)];
      const double delta = D(prev, last) + D(first, next) - D(prev, first) - D(last, next);
      if (delta > -kEps) continue;
      scratch_ = r.nodes;
      std::reverse(scratch_.begin() + i, scratch_.begin() + j + 1);
      const double distance = Simulate(scratch_, r.capacity);
      if (Replace(r, std::move(scratch_), distance)) return true;
    }
  }
  return false;
}

bool Search::OrOpt(Route& r) {
  const int len = static_cast<int>(r.nodes.size());
  auto at = [&](int k) { return k < 0 || k >= len ? 0 : r.nodes[static_cast<size_t>(k)]; };
  for (int seg = 1; seg <= 3; ++seg) {
    for (int i = 0; i + seg <= len; ++i) {
      const int first = at(i), last = at(i + seg - 1);
      const int prev = at(i - 1), next = at(i + seg);
      const double removal = D(prev, first) + D(last, next) - D(prev, next);
      // Insert between positions k-1 and k of the route without the segment.
      for (int k = 0; k <= len; ++k) {
        if (k >= i && k <= i + seg) continue;
        const int a = at(k - 1), b = at(k);
        for (int reversed = 0; reversed < 2; ++reversed) {
          const int head = reversed ? last : first, tail = reversed ? first : last;
          const double delta = D(a, head) + D(tail, b) - D(a, b) - removal;
          if (delta > -kEps) continue;
          scratch_.clear();
          for (int x = 0; x < len; ++x) {
            if (x == k) {
              for (int y = 0; y < seg; ++y)
                scratch_.push_back(at(reversed ? i + seg - 1 - y : i + y));
            }
            if (x < i || x >= i + seg) scratch_.push_back(at(x));
          }
          if (k == len) {
            for (int y = 0; y < seg; ++y)
              scratch_.push_back(at(reversed ? i + seg - 1 - y : i + y));
          }
          const double distance = Simulate(scratch_, r.capacity);
          if (Replace(r, std::move(scratch_), distance)) return true;
        }
      }
    }
  }
  return false;
}

bool Search::Relocate(State& s) {
  for (Route& a : s.routes) {
    const int len_a = static_cast<int>(a.nodes.size());
    for (int i = 0; i < len_a; ++i) {
      const int u = a.nodes[static_cast<size_t>(i)];
      const int prev = i == 0 ? 0 : a.nodes[static_cast<size_t>(i - 1)];
      const int next = i + 1 == len_a ? 0 : a.nodes[static_cast<size_t>(i + 1)];
      double gain = D(prev, u) + D(u, next) - D(prev, next);
      if (len_a == 1) gain += opt_.vehicle_cost;
      bool tried_empty = false;
      for (Route& b : s.routes) {
        if (&a == &b || b.load + node(u).demand > b.capacity) continue;
        if (b.nodes.empty()) {
          if (tried_empty || len_a == 1) continue;
          tried_empty = true;
        }
        const double opening = b.nodes.empty() ? opt_.vehicle_cost : 0;
        for (int pos = 0; pos <= static_cast<int>(b.nodes.size()); ++pos) {
          const double delta = InsertionDelta(b, u, pos) + opening - gain;
          if (delta > -kEps) continue;
          scratch_ = a.nodes;
          scratch_.erase(scratch_.begin() + i);
          if (Simulate(scratch_, a.capacity) == kInf) break;
          a.nodes = std::move(scratch_);
          b.nodes.insert(b.nodes.begin() + pos, u);
          Update(a);
          Update(b);
          return true;
        }
      }
    }
  }
  return false;
}

bool Search::Exchange(State& s) {
  for (size_t ia = 0; ia < s.routes.size(); ++ia) {
    Route& a = s.routes[ia];
    const int len_a = static_cast<int>(a.nodes.size());
    for (size_t ib = ia + 1; ib < s.routes.size(); ++ib) {
      Route& b = s.routes[ib];
      const int len_b = static_cast<int>(b.nodes.size());
      if (len_b == 0) continue;
      for (int i = 0; i < len_a; ++i) {
        const int u = a.nodes[static_cast<size_t>(i)];
        const int pa = i == 0 ? 0 : a.nodes[static_cast<size_t>(i - 1)];
        const int na = i + 1 == len_a ? 0 : a.nodes[static_cast<size_t>(i + 1)];
        for (int j = 0; j < len_b; ++j) {
          const int v = b.nodes[static_cast<size_t>(j)];
          const int64_t diff = node(v).demand - node(u).demand;
          if (a.load + diff > a.capacity || b.load - diff > b.capacity) continue;
          const int pb = j == 0 ? 0 : b.nodes[static_cast<size_t>(j - 1)];
          const int nb = j + 1 == len_b ? 0 : b.nodes[static_cast<size_t>(j + 1)];
          const double delta =
              D(pa, v) + D(v, na) - D(pa, u) - D(u, na) + D(pb, u) + D(u, nb) - D(pb, v) - D(v, nb);
          if (delta > -kEps) continue;
          std::vector<int> na_seq = a.nodes, nb_seq = b.nodes;
          na_seq[static_cast<size_t>(i)] = v;
          nb_seq[static_cast<size_t>(j)] = u;
          const double da = Simulate(na_seq, a.capacity);
          if (da == kInf) continue;
          const double db = Simulate(nb_seq, b.capacity);
          if (db == kInf || da + db >= a.distance + b.distance - kEps) continue;
          a.nodes = std::move(na_seq);
          b.nodes = std::move(nb_seq);
          Update(a);
          Update(b);
          return true;
        }
      }
    }
  }
  return false;
}

// Exchanges the tails of two routes: a[0..i) + b[j..] and b[0..j) + a[i..].
bool Search::TwoOptStar(State& s) {
  for (size_t ia = 0; ia < s.routes.size(); ++ia) {
    Route& a = s.routes[ia];
    const int len_a = static_cast<int>(a.nodes.size());
    if (len_a == 0) continue;
    for (size_t ib = ia + 1; ib < s.routes.size(); ++ib) {
      Route& b = s.routes[ib];
      const int len_b = static_cast<int>(b.nodes.size());
      if (len_b == 0) continue;
      for (int i = 0; i <= len_a; ++i) {
        const int a_prev = i == 0 ? 0 : a.nodes[static_cast<size_t>(i - 1)];
        const int a_next = i == len_a ? 0 : a.nodes[static_cast<size_t>(i)];
        const int64_t a_head = i == 0 ? 0 : a.prefix_load[static_cast<size_t>(i - 1)];
        for (int j = 0; j <= len_b; ++j) {
          if ((i == 0 && j == 0) || (i == len_a && j == len_b)) continue;
          const int b_prev = j == 0 ? 0 : b.nodes[static_cast<size_t>(j - 1)];
          const int b_next = j == len_b ? 0 : b.nodes[static_cast<size_t>(j)];
          const int64_t b_head = j == 0 ? 0 : b.prefix_load[static_cast<size_t>(j - 1)];
          if (a_head + (b.load - b_head) > a.capacity || b_head + (a.load - a_head) > b.capacity) {
            continue;
          }
          double delta =
              D(a_prev, b_next) + D(b_prev, a_next) - D(a_prev, a_next) - D(b_prev, b_next);
          const bool a_empties = i == 0 && j == len_b;
          const bool b_empties = j == 0 && i == len_a;
          if (a_empties || b_empties) delta -= opt_.vehicle_cost;
          if (delta > -kEps) continue;
          std::vector<int> na(a.nodes.begin(), a.nodes.begin() + i);
          na.insert(na.end(), b.nodes.begin() + j, b.nodes.end());
          std::vector<int> nb(b.nodes.begin(), b.nodes.begin() + j);
          nb.insert(nb.end(), a.nodes.begin() + i, a.nodes.end());
          const double da = Simulate(na, a.capacity);
          if (da == kInf) continue;
          const double db = Simulate(nb, b.capacity);
          if (db == kInf) continue;
          a.nodes = std::move(na);
          b.nodes = std::move(nb);
          Update(a);
          Update(b);
          return true;
        }
      }
    }
  }
  return false;
}

void Search::LocalSearch(State& s) {
  bool improved = true;
  while (improved) {
    improved = false;
    for (Route& r : s.routes) {
      while (TwoOpt(r) || OrOpt(r)) improved = true;
    }
    if (s.routes.size() > 1) {
      while (Relocate(s) || Exchange(s) || TwoOptStar(s)) improved = true;
    }
  }
  Totals(s);
}

// --- Ruin and recreate (after Christiaens & Vanden Berghe's SISR, strings only). ------------

void Search::Ruin(State& s, std::vector<int>& removed) {
  std::vector<int> route_of(static_cast<size_t>(n_), -1);
  int assigned = 0;
  for (size_t r = 0; r < s.routes.size(); ++r) {
    for (int u : s.routes[r].nodes) route_of[static_cast<size_t>(u)] = static_cast<int>(r);
    assigned += static_cast<int>(s.routes[r].nodes.size());
  }
  if (assigned == 0 || s.used == 0) return;
  // Now and then empty a whole route (the smaller of two drawn at random): when vehicles
  // cost something, this is how the search learns to do with one fewer.
  std::uniform_real_distribution<double> unit(0, 1);
  if (opt_.vehicle_cost > 0 && s.used > 1 && unit(rng_) < 0.1) {
    std::vector<size_t> used;
    for (size_t r = 0; r < s.routes.size(); ++r) {
      if (!s.routes[r].nodes.empty()) used.push_back(r);
    }
    std::uniform_int_distribution<size_t> draw(0, used.size() - 1);
    size_t victim = used[draw(rng_)];
    const size_t other = used[draw(rng_)];
    if (s.routes[other].nodes.size() < s.routes[victim].nodes.size()) victim = other;
    Route& route = s.routes[victim];
    removed.insert(removed.end(), route.nodes.begin(), route.nodes.end());
    route.nodes.clear();
    Update(route);
    Totals(s);
    return;
  }
  constexpr double kAverageRemoved = 10;
  constexpr double kMaxString = 10;
  const double max_string = std::min(kMaxString, static_cast<double>(assigned) / s.used);
  const double max_strings = 4 * kAverageRemoved / (1 + max_string) - 1;
  const int strings =
      static_cast<int>(std::uniform_real_distribution<double>(1, max_strings + 1)(rng_));
  std::uniform_int_distribution<int> pick(1, n_ - 1);
  int seed = pick(rng_);
  for (int tries = 0; route_of[static_cast<size_t>(seed)] < 0 && tries < 100; ++tries) {
    seed = pick(rng_);
  }
  if (route_of[static_cast<size_t>(seed)] < 0) return;
  std::vector<char> ruined(s.routes.size(), 0);
  int done = 0;
  for (int c : neighbours_[static_cast<size_t>(seed)]) {
    if (done >= strings) break;
    const int r = route_of[static_cast<size_t>(c)];
    if (r < 0 || ruined[static_cast<size_t>(r)]) continue;
    Route& route = s.routes[static_cast<size_t>(r)];
    const int len = static_cast<int>(route.nodes.size());
    const double cap = std::min(static_cast<double>(len), max_string);
    const int length = std::clamp(
        static_cast<int>(std::uniform_real_distribution<double>(1, cap + 1)(rng_)), 1, len);
    const int pos = static_cast<int>(std::find(route.nodes.begin(), route.nodes.end(), c) -
                                     route.nodes.begin());
    const int offset = std::uniform_int_distribution<int>(0, length - 1)(rng_);
    const int first = std::clamp(pos - offset, 0, len - length);
    for (int k = first; k < first + length; ++k) {
      const int u = route.nodes[static_cast<size_t>(k)];
      removed.push_back(u);
      route_of[static_cast<size_t>(u)] = -1;
    }
    route.nodes.erase(route.nodes.begin() + first, route.nodes.begin() + first + length);
    Update(route);
    ruined[static_cast<size_t>(r)] = 1;
    ++done;
  }
  Totals(s);
}

void Search::Recreate(State& s, std::vector<int>& pending) {
  const int order = std::uniform_int_distribution<int>(0, 10)(rng_);
  if (order < 4) {
    std::shuffle(pending.begin(), pending.end(), rng_);
  } else if (order < 8) {
    std::stable_sort(pending.begin(), pending.end(),
                     [&](int a, int b) { return node(a).demand > node(b).demand; });
  } else if (order < 10) {
    std::stable_sort(pending.begin(), pending.end(),
                     [&](int a, int b) { return D(0, a) > D(0, b); });
  } else {
    std::stable_sort(pending.begin(), pending.end(),
                     [&](int a, int b) { return D(0, a) < D(0, b); });
  }
  constexpr double kBlinkRate = 0.01;
  std::uniform_real_distribution<double> unit(0, 1);
  s.unassigned.clear();
  std::vector<int64_t> empty_capacities;
  for (int u : pending) {
    double best = kInf;
    Route* best_route = nullptr;
    int best_pos = -1;
    empty_capacities.clear();
    for (Route& r : s.routes) {
      if (r.load + node(u).demand > r.capacity) continue;
      if (r.nodes.empty()) {
        // Empty vehicles of equal capacity are interchangeable: try one of them.
        if (std::find(empty_capacities.begin(), empty_capacities.end(), r.capacity) !=
            empty_capacities.end()) {
          continue;
        }
        empty_capacities.push_back(r.capacity);
      }
      const double opening = r.nodes.empty() ? opt_.vehicle_cost : 0;
      for (int pos = 0; pos <= static_cast<int>(r.nodes.size()); ++pos) {
        if (unit(rng_) < kBlinkRate) continue;
        const double delta = InsertionDelta(r, u, pos) + opening;
        if (delta < best) {
          best = delta;
          best_route = &r;
          best_pos = pos;
        }
      }
    }
    if (best_route == nullptr) {
      s.unassigned.push_back(u);
      continue;
    }
    best_route->nodes.insert(best_route->nodes.begin() + best_pos, u);
    Update(*best_route);
  }
  Totals(s);
}

State Search::Run() {
  const absl::Time begin = absl::Now();
  State current = Construct();
  LocalSearch(current);
  State best = current;
  const int assigned = n_ - 1 - static_cast<int>(current.unassigned.size());
  // Nothing to plan, or nothing to plan with: the search could only spin.
  if (assigned + static_cast<int>(current.unassigned.size()) == 0 || p_.vehicles.empty()) {
    return best;
  }
  // Temperatures scale with the length of an average edge so one setting serves metres,
  // TSPLIB units and Solomon units alike.
  const double average_edge =
      std::max(kEps, current.distance / std::max(1, assigned + current.used));
  const double t_start = 0.3 * average_edge;
  const double t_end = 0.003 * average_edge;
  const double budget = absl::ToDoubleSeconds(opt_.time_budget);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<int> pending;
  while (iterations_ < opt_.max_iterations) {
    const double elapsed = absl::ToDoubleSeconds(absl::Now() - begin);
    if (elapsed >= budget) break;
    double progress = budget > 0 ? elapsed / budget : 1;
    if (opt_.max_iterations != std::numeric_limits<int64_t>::max()) {
      progress = std::max(progress, static_cast<double>(iterations_) / opt_.max_iterations);
    }
    const double temperature = t_start * std::pow(t_end / t_start, progress);
    ++iterations_;
    State candidate = current;
    pending = candidate.unassigned;
    Ruin(candidate, pending);
    Recreate(candidate, pending);
    if (Better(candidate, best)) {
      LocalSearch(candidate);
      best = candidate;
      current = std::move(candidate);
      continue;
    }
    if (candidate.unassigned.size() > current.unassigned.size()) continue;
    if (candidate.unassigned.size() < current.unassigned.size() ||
        candidate.Cost(opt_.vehicle_cost) <
            current.Cost(opt_.vehicle_cost) - temperature * std::log(unit(rng_))) {
      current = std::move(candidate);
    }
  }
  return best;
}

}  // namespace

absl::Status ValidateProblem(const Problem& problem) {
  if (problem.nodes.empty()) return absl::InvalidArgumentError("the depot (node 0) is missing");
  if (problem.matrix == nullptr ||
      problem.matrix->size() != static_cast<int>(problem.nodes.size())) {
    return absl::InvalidArgumentError("the travel matrix does not match the nodes");
  }
  for (size_t i = 0; i < problem.nodes.size(); ++i) {
    const Node& n = problem.nodes[i];
    if (n.demand < 0) return absl::InvalidArgumentError(absl::StrCat("node ", i, ": demand < 0"));
    if (!(n.ready <= n.due) || n.service < 0 || std::isnan(n.ready)) {
      return absl::InvalidArgumentError(absl::StrCat("node ", i, ": window or service invalid"));
    }
  }
  for (size_t v = 0; v < problem.vehicles.size(); ++v) {
    if (problem.vehicles[v].capacity < 0) {
      return absl::InvalidArgumentError(absl::StrCat("vehicle ", v, ": capacity < 0"));
    }
  }
  return absl::OkStatus();
}

Solution Construct(const Problem& problem) {
  Search search(problem, Options{});
  return Search::ToSolution(search.Construct());
}

Solution Solve(const Problem& problem, const Options& options) {
  Search search(problem, options);
  Solution solution = Search::ToSolution(search.Run());
  solution.iterations = search.iterations();
  return solution;
}

RouteTiming TimeRoute(const Problem& problem, const std::vector<int>& route) {
  const TravelMatrix& m = *problem.matrix;
  auto schedule = [&](double departure) {
    RouteTiming timing;
    timing.departure = departure;
    double time = departure;
    int prev = 0;
    for (int u : route) {
      const Node& n = problem.nodes[static_cast<size_t>(u)];
      const double arrival = time +
                             (prev == 0 ? 0 : problem.nodes[static_cast<size_t>(prev)].service) +
                             m.Duration(prev, u);
      time = std::max(arrival, n.ready);
      timing.stops.push_back({.node = u, .arrival = arrival, .start = time});
      timing.distance += m.Distance(prev, u);
      timing.load += n.demand;
      prev = u;
    }
    timing.return_time = route.empty() ? departure
                                       : time + problem.nodes[static_cast<size_t>(prev)].service +
                                             m.Duration(prev, 0);
    if (!route.empty()) timing.distance += m.Distance(prev, 0);
    return timing;
  };
  RouteTiming early = schedule(problem.nodes[0].ready);
  // Leave later by as much waiting as can be absorbed without missing any window.
  double waited = 0;
  double shift = kInf;
  for (size_t k = 0; k < early.stops.size(); ++k) {
    const StopTiming& st = early.stops[k];
    waited += st.start - st.arrival;
    shift = std::min(shift, problem.nodes[static_cast<size_t>(st.node)].due - st.start + waited);
  }
  shift = std::min(shift, waited);
  if (!(shift > kEps)) return early;
  return schedule(problem.nodes[0].ready + shift);
}

absl::Status CheckSolution(const Problem& problem, const Solution& solution) {
  const size_t n = problem.nodes.size();
  if (solution.routes.size() > problem.vehicles.size()) {
    return absl::FailedPreconditionError("more routes than vehicles");
  }
  std::vector<int> seen(n, 0);
  double distance = 0;
  for (size_t v = 0; v < solution.routes.size(); ++v) {
    const std::vector<int>& route = solution.routes[v];
    for (int u : route) {
      if (u <= 0 || static_cast<size_t>(u) >= n) {
        return absl::FailedPreconditionError(absl::StrCat("route ", v, ": bad node ", u));
      }
      ++seen[static_cast<size_t>(u)];
    }
    const RouteTiming timing = TimeRoute(problem, route);
    if (timing.load > problem.vehicles[v].capacity) {
      return absl::FailedPreconditionError(absl::StrCat("route ", v, ": capacity exceeded"));
    }
    for (const StopTiming& st : timing.stops) {
      if (st.start > problem.nodes[static_cast<size_t>(st.node)].due + 1e-6) {
        return absl::FailedPreconditionError(
            absl::StrCat("route ", v, ": node ", st.node, " served after its window"));
      }
    }
    if (timing.return_time > problem.nodes[0].due + 1e-6) {
      return absl::FailedPreconditionError(absl::StrCat("route ", v, ": back after closing"));
    }
    distance += timing.distance;
  }
  for (int u : solution.unassigned) {
    if (u <= 0 || static_cast<size_t>(u) >= n) {
      return absl::FailedPreconditionError(absl::StrCat("bad unassigned node ", u));
    }
    ++seen[static_cast<size_t>(u)];
  }
  for (size_t u = 1; u < n; ++u) {
    if (seen[u] != 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("node ", u, " appears ", seen[u], " times"));
    }
  }
  if (std::abs(distance - solution.distance) > 1e-6 * std::max(1.0, distance)) {
    return absl::FailedPreconditionError("reported distance differs from the routes'");
  }
  return absl::OkStatus();
}

}  // namespace comptoir::delivery::routing
