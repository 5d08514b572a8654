// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/sceneitem.h>

#include <QCoreApplication>
#include <QStringList>

namespace Optiverse::Collab {

/// The words notices use for items, properties and values ("Lens 2",
/// "focal length", "75"), from the item's data alone.
class EditWords
{
    Q_DECLARE_TR_FUNCTIONS(EditWords)
public:
    /// A property as a user names it: "focal_length_mm" -> "focal length";
    /// the pose keys are one property, "position".
    static QString property(const QString &key);
    /// Several keys as "focal length and diameter" (the pose once).
    static QString properties(const QStringList &keys);
    /// The item as the user sees it: its "name" or "label", else "the lens".
    static QString item(const QString &type, const QJsonObject &data = {});
    /// Same, starting a sentence ("The lens").
    static QString itemCapitalized(const QString &type, const QJsonObject &data = {});
    /// A value in a sentence: numbers without needless decimals, text quoted.
    static QString value(const QJsonValue &value);
    /// "bob", "bob and carol", "bob, carol and dave".
    static QString names(const QStringList &names);
};

} // namespace Optiverse::Collab
