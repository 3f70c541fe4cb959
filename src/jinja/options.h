#pragma once
// Render-time bounds and settings. A chat template ships inside a model file, so it is untrusted:
// every way a template can spend time or memory is bounded, and exceeding a bound returns an error
// naming it instead of hanging or crashing the server.

#include <cstddef>
#include <cstdint>
#include <optional>

namespace citadel::jinja {

struct RenderLimits {
  // For-loop iterations (and loop-filter evaluations) summed over the whole render.
  std::int64_t max_loop_iterations = 1'000'000;
  // Nesting of statements, expression evaluation and macro calls at render time; bounds stack use.
  int max_recursion_depth = 500;
  // Size of the rendered text, of any captured block (macro, set-block) and of any single string
  // value built by the template.
  std::size_t max_output_bytes = 16u << 20;
  // Work units: one per byte of every string built (concatenation, join, filters, repetition) and
  // a few per element of every sequence built or scanned by a filter. Bounds CPU and memory of
  // templates that grow values quadratically inside loops.
  std::int64_t max_work = std::int64_t{256} << 20;
};

// A calendar date for strftime_now(); injected so rendering never reads a clock itself.
struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

struct RenderOptions {
  RenderLimits limits;
  // When set, the template sees a global strftime_now(format) formatting this date (time 00:00:00);
  // when absent strftime_now is undefined, which templates test with `is defined`.
  std::optional<CivilDate> today;
};

}  // namespace citadel::jinja
