/*
 * engine.h: the one enumeration of the engines strata speaks. A model
 * (schema.h: struct schema's engine), a diff, a driver (driver.h: struct
 * strata_driver's engine) and lint's rule table (a set of engines, one bit
 * each: 1 << engine) all use these numbers; the names keep the SCHEMA_
 * prefix of the model, where they were first written. An engine's name in
 * a URL or on the command line becomes one of them by engine_from_name()
 * (driver.c), and one of them becomes its driver by driver_for_engine().
 */
#ifndef STRATA_ENGINE_H
#define STRATA_ENGINE_H

enum { SCHEMA_SQLITE = 0, SCHEMA_PG = 1 };
#define ENGINE_COUNT 2

#endif
