#pragma once
// Method + path -> handler. An unknown path is 404, a known path with another method 405 (with
// Allow), both in OpenAI's error format. Every answer is counted in Metrics under the route's
// pattern.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/exchange.h"

namespace citadel::server {

class Metrics;

// param: the path segment matched by a trailing "{...}" of the pattern, else "".
using RouteHandler = std::function<void(const std::shared_ptr<Exchange>&, const std::string& param)>;

class Router {
 public:
  explicit Router(Metrics& metrics) : metrics_(metrics) {}
  // pattern: an exact path, or a prefix ending in "/{name}" that matches one more non-empty segment.
  void Add(std::string method, std::string pattern, RouteHandler handler);
  void Handle(const std::shared_ptr<Exchange>& exchange) const;

 private:
  struct Route {
    std::string method, pattern;
    RouteHandler handler;
  };
  Metrics& metrics_;
  std::vector<Route> routes_;
};

}  // namespace citadel::server
