// SPDX-License-Identifier: MIT
#include "PropertiesDialog.h"

#include "OpticalItem.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

PropertiesDialog::PropertiesDialog(const Optiverse::SceneItem &item, QWidget *parent)
    : QDialog(parent), m_item(item), m_othersEditing(new QLabel(this))
{
    m_othersEditing->setObjectName(QStringLiteral("othersEditing"));
    m_othersEditing->setWordWrap(true);
    m_othersEditing->setStyleSheet(QStringLiteral("QLabel { background: #fff3cd; color: #664d03; padding: 6px; "
                                                  "border: 1px solid #ffe69c; border-radius: 3px; }"));
    m_othersEditing->hide();
    setWindowTitle(tr("Properties of %1").arg(item.type));
    // A received item may lack parameters: they are shown with the value the
    // drawing uses (the type's default) and only become data when edited.
    m_shown = OpticalItem::defaultData(item.type);
    for (auto it = item.data.begin(); it != item.data.end(); ++it)
        m_shown.insert(it.key(), it.value());
    auto *form = new QFormLayout;
    form->addRow(tr("Id"), new QLabel(item.uuid.toString(QUuid::WithoutBraces), this));
    QStringList keys = m_shown.keys(); // sorted, so the pose keys stay together
    for (const QString &key : std::as_const(keys)) {
        const QJsonValue value = m_shown.value(key);
        QWidget *editor = nullptr;
        if (value.isDouble()) {
            auto *spin = new QDoubleSpinBox(this);
            spin->setRange(-1e9, 1e9);
            spin->setDecimals(4);
            spin->setValue(value.toDouble());
            editor = spin;
        } else if (value.isString()) {
            editor = new QLineEdit(value.toString(), this);
        } else if (value.isBool()) {
            auto *check = new QCheckBox(this);
            check->setChecked(value.toBool());
            editor = check;
        } else {
            // Arrays/objects of unknown types are shown but kept as they are.
            auto *line = new QLineEdit(QString::fromUtf8(
                QJsonDocument::fromVariant(value.toVariant()).toJson(QJsonDocument::Compact)), this);
            line->setReadOnly(true);
            form->addRow(key, line);
            continue;
        }
        m_editors.insert(key, editor);
        form->addRow(key, editor);
    }
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_othersEditing);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

QJsonObject PropertiesDialog::changes() const
{
    QJsonObject result;
    for (auto it = m_editors.cbegin(); it != m_editors.cend(); ++it) {
        const QJsonValue old = m_shown.value(it.key());
        QJsonValue now;
        if (auto *spin = qobject_cast<QDoubleSpinBox *>(it.value())) {
            // The spin box rounds to its decimals: untouched values stay as they were.
            if (std::abs(spin->value() - old.toDouble()) < 0.5 * std::pow(10.0, -spin->decimals()))
                continue;
            now = spin->value();
        } else if (auto *line = qobject_cast<QLineEdit *>(it.value())) {
            now = line->text();
        } else if (auto *check = qobject_cast<QCheckBox *>(it.value())) {
            now = check->isChecked();
        }
        if (now != old)
            result.insert(it.key(), now);
    }
    return result;
}

void PropertiesDialog::setOthersEditing(const QStringList &names)
{
    if (names.isEmpty()) {
        m_othersEditing->clear();
    } else {
        QString who = names.constLast();
        if (names.size() > 1)
            who = tr("%1 and %2").arg(QStringList(names.mid(0, names.size() - 1)).join(tr(", ")), who);
        m_othersEditing->setText(names.size() == 1 ? tr("%1 is editing this item too").arg(who)
                                                   : tr("%1 are editing this item too").arg(who));
    }
    if (m_othersEditing->isHidden() == names.isEmpty())
        return;
    m_othersEditing->setVisible(!names.isEmpty());
    // Grow for the banner and shrink back after it: no gap where it was.
    if (isVisible()) {
        layout()->activate();
        resize(width(), std::max(minimumSizeHint().height(), sizeHint().height()));
    }
}

QString PropertiesDialog::othersEditingText() const
{
    return m_othersEditing->isHidden() ? QString() : m_othersEditing->text();
}
