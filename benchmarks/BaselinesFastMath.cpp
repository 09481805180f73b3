// Hand-written baseline loops compiled with -ffast-math (what a C++ expert writes).
#include "Baselines.h"

#include <cmath>
namespace baseline::fast {
#include "BaselinesImpl.inc"
}
