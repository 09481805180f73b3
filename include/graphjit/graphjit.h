// Umbrella header: the whole user-facing API.
#pragma once

#include "graphjit/Graph/Clone.h"
#include "graphjit/Graph/FunctionGraph.h"
#include "graphjit/Graph/Op.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Interp/Interpreter.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Inputs.h"
#include "graphjit/Ops/MatMul.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Registry.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Runtime/Function.h"
#include "graphjit/Tensor/Tensor.h"
