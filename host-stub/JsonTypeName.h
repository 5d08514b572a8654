// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonValue>
#include <QString>

/// "a number", "a string"…: how error messages name the JSON type of a value.
inline QString jsonTypeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Double: return QStringLiteral("a number");
    case QJsonValue::String: return QStringLiteral("a string");
    case QJsonValue::Bool: return QStringLiteral("a boolean");
    case QJsonValue::Array: return QStringLiteral("an array");
    case QJsonValue::Object: return QStringLiteral("an object");
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Undefined: break;
    }
    return QStringLiteral("missing");
}
