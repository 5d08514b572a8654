// SPDX-License-Identifier: MIT
#include "JsonStorage.h"

#include <QJsonArray>

namespace Optiverse::Collab {

namespace {
// QCborContainerPrivate keeps 16 bytes per element besides the bytes of a
// string, stored as UTF-16 unless it is US-ASCII.
constexpr qint64 ElementBytes = 16;
qint64 stringBytes(const QString &s)
{
    for (const QChar c : s)
        if (c.unicode() > 0x7f)
            return 2 * s.size() + 8;
    return s.size() + 8;
}
} // namespace

QJsonValue JsonStorage::detached(const QJsonValue &value)
{
    if (value.isString())
        return QJsonValue(value.toString());
    return value;
}

qint64 JsonStorage::footprint(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String: return ElementBytes + stringBytes(value.toString());
    case QJsonValue::Object: return ElementBytes + 64 + footprint(value.toObject());
    case QJsonValue::Array: {
        qint64 bytes = ElementBytes + 64;
        for (const QJsonValue &v : value.toArray())
            bytes += footprint(v);
        return bytes;
    }
    default: return ElementBytes;
    }
}

qint64 JsonStorage::footprint(const QJsonObject &object)
{
    qint64 bytes = 0;
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        bytes += ElementBytes + stringBytes(it.key());
        // Read in place: a QJsonValue made of it would copy a string once more.
        const QJsonValueConstRef value = it.value();
        switch (value.type()) {
        case QJsonValue::String: bytes += ElementBytes + stringBytes(value.toString()); break;
        case QJsonValue::Object:
        case QJsonValue::Array: bytes += footprint(QJsonValue(value)); break;
        default: bytes += ElementBytes;
        }
    }
    return bytes;
}

QJsonObject JsonStorage::rebuilt(const QJsonObject &object)
{
    // insert() copies a string's bytes into the new object's buffer, so only
    // live values end up there.
    QJsonObject fresh;
    for (auto it = object.constBegin(); it != object.constEnd(); ++it)
        fresh.insert(it.key(), it.value());
    return fresh;
}

} // namespace Optiverse::Collab
