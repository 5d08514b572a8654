// SPDX-License-Identifier: MIT
#include "EditWords.h"

#include <QJsonObject>
#include <QLocale>
#include <QRegularExpression>

namespace Optiverse::Collab {

QString EditWords::property(const QString &key)
{
    if (key == QLatin1String(kXmm) || key == QLatin1String(kYmm) || key == QLatin1String(kAngleDeg))
        return tr("position");
    static const QRegularExpression unit(QStringLiteral("_(mm|deg|nm|um|m|rad|percent)$"));
    QString words = key;
    words.remove(unit);
    words.replace(QLatin1Char('_'), QLatin1Char(' '));
    return words.trimmed().isEmpty() ? key : words.trimmed();
}

QString EditWords::properties(const QStringList &keys)
{
    QStringList words;
    for (const QString &k : keys) {
        const QString w = property(k);
        if (!words.contains(w))
            words.append(w);
    }
    return names(words);
}

QString EditWords::item(const QString &type, const QJsonObject &data)
{
    for (const char *key : {"name", "label"}) {
        const QString name = data.value(QLatin1String(key)).toString().trimmed();
        if (!name.isEmpty())
            return name;
    }
    return tr("the %1").arg(type.isEmpty() ? tr("item") : type);
}

QString EditWords::itemCapitalized(const QString &type, const QJsonObject &data)
{
    QString words = item(type, data);
    if (!words.isEmpty())
        words[0] = words.at(0).toUpper();
    return words;
}

QString EditWords::value(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Double:
        return QLocale::c().toString(value.toDouble(), 'g', 6);
    case QJsonValue::String:
        return QStringLiteral("\u201c%1\u201d").arg(value.toString());
    case QJsonValue::Bool:
        return value.toBool() ? tr("on") : tr("off");
    case QJsonValue::Undefined:
    case QJsonValue::Null:
        return tr("nothing");
    default:
        return tr("another value");
    }
}

QString EditWords::names(const QStringList &names)
{
    if (names.size() <= 1)
        return names.value(0);
    return tr("%1 and %2").arg(names.mid(0, names.size() - 1).join(QStringLiteral(", ")), names.constLast());
}

} // namespace Optiverse::Collab
