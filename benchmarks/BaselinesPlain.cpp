// Hand-written baseline loops compiled at plain -O3 (no fast-math).
#include "Baselines.h"

#include <cmath>
namespace baseline::plain {
#include "BaselinesImpl.inc"
}
