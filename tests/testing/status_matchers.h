// gtest helpers for Status and Result<T>.
#pragma once

#include <gtest/gtest.h>

#include "scopereg/core/status.h"

#define EXPECT_OK(expr)                                                          \
  do {                                                                           \
    ::scopereg::Status _s = ::scopereg::internal::AsStatus((expr));              \
    EXPECT_TRUE(_s.ok()) << _s.ToString();                                       \
  } while (0)

#define ASSERT_OK(expr)                                                          \
  do {                                                                           \
    ::scopereg::Status _s = ::scopereg::internal::AsStatus((expr));              \
    ASSERT_TRUE(_s.ok()) << _s.ToString();                                       \
  } while (0)

#define SCOPEREG_ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)                       \
  auto tmp = (expr);                                                             \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString();                              \
  lhs = std::move(tmp).value()

#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  SCOPEREG_ASSERT_OK_AND_ASSIGN_IMPL(SCOPEREG_CONCAT(_r_, __LINE__), lhs, expr)

#define EXPECT_STATUS(expr, code_)                                               \
  do {                                                                           \
    ::scopereg::Status _s = ::scopereg::internal::AsStatus((expr));              \
    EXPECT_EQ(_s.code(), code_) << _s.ToString();                                \
  } while (0)
